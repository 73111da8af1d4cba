"""Frame and event sources behind one interface (file, OpenCV, snapshot, ANPR push).

The adapters arrive with the vision work; this package is where they live.
"""

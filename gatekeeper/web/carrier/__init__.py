"""The carrier's own pages: register and change vehicles and trailers."""

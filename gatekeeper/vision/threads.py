"""How many threads one reading uses. OCR workers read fastest as one process per core,
each reading with one thread: threads of several workers on the same cores only wait for
each other (measured: ``make bench-captures``). Embedded mode keeps the libraries' own
defaults (every core for the one process)."""

from __future__ import annotations

_threads: int | None = None


def use_threads(count: int) -> None:
    """Read with ``count`` threads in this process (OpenCV, PyTorch, ONNX Runtime); call
    before the first reading (ONNX sessions keep the count they were made with)."""
    global _threads
    if count < 1:
        raise ValueError("at least one thread")
    _threads = count
    import cv2
    import torch

    cv2.setNumThreads(count)
    torch.set_num_threads(count)


def session_threads(default: int = 2) -> int:
    """Threads for an ONNX Runtime session made now."""
    return _threads or default

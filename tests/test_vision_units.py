"""Vision pieces that need no model: image checks, decoding, formats, locating."""

from __future__ import annotations

import copy
import itertools
import math
import zlib

import cv2
import numpy as np
import pytest

from gatekeeper.vision import images
from gatekeeper.vision.formats import ALNUM, FORMATS, L, N, formats_for
from gatekeeper.vision.images import ImageError, crop_roi, decode_image
from gatekeeper.vision.locate import find_text_rows
from gatekeeper.vision.ocr import (
    LineProbabilities,
    character_peaks,
    decode_greedy,
    decode_template,
    score_texts,
)
from gatekeeper.vision.plates import _best_decode, _layout_readings, _merged_templates, _rescore
from gatekeeper.vision.reference import hins_by_un, is_consistent, valid_hins
from tests.vision_samples import encode, plate_scene, two_line_plate_scene

ALPHABET = ("[blank]", *"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _line(*frames: dict[str, float]) -> LineProbabilities:
    """Per-timestep probabilities from {char: p} dicts ("" is the blank)."""
    probs = np.full((len(frames), len(ALPHABET)), 1e-4, dtype=np.float32)
    for t, frame in enumerate(frames):
        for char, p in frame.items():
            probs[t, ALPHABET.index(char) if char else 0] = p
    probs /= probs.sum(axis=1, keepdims=True)
    return LineProbabilities(probs, ALPHABET)


# --- image checks -------------------------------------------------------------


def test_a_valid_jpeg_and_png_decode() -> None:
    frame = plate_scene("AB 123", size=(120, 400), at=(60, 80), scale=1.0)
    for ext in (".jpg", ".png"):
        assert decode_image(encode(frame, ext)).shape == (120, 400, 3)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"GIF89a....", "not a JPEG or PNG"),
        (b"%PDF-1.7 not an image", "not a JPEG or PNG"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "corrupt"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        decode_image(data)


def test_a_truncated_jpeg_is_refused() -> None:
    data = encode(plate_scene("AB 123", size=(240, 320), at=(40, 140), scale=1.0))
    with pytest.raises(ImageError, match="corrupt or truncated"):
        decode_image(data[: len(data) // 3])


def test_an_image_bomb_is_refused_before_decoding() -> None:
    header = bytearray(encode(np.zeros((20, 20, 3), np.uint8), ".png"))
    header[16:20] = (100_000).to_bytes(4, "big")
    header[20:24] = (100_000).to_bytes(4, "big")
    header[29:33] = zlib.crc32(bytes(header[12:29])).to_bytes(4, "big")  # a valid IHDR
    with pytest.raises(ImageError, match="too large"):
        decode_image(bytes(header))


def test_a_jpeg_bomb_behind_a_stray_byte_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stray byte before a marker once hid the frame header from the size check: a
    642-byte file decoded to 12000 x 12000 pixels."""
    data = bytearray(encode(np.zeros((20, 20, 3), np.uint8), ".jpg"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (12000).to_bytes(2, "big") * 2
    data = data[:sof] + b"\x00" + data[sof:]
    assert len(data) < 1000

    def never(*_args: object) -> None:
        raise AssertionError("decoded before its size was checked")

    monkeypatch.setattr(images.cv2, "imdecode", never)
    with pytest.raises(ImageError, match="too large"):
        decode_image(bytes(data))


def test_a_tiny_image_is_refused() -> None:
    with pytest.raises(ImageError, match="too small"):
        decode_image(encode(np.zeros((8, 8, 3), np.uint8), ".png"))


def test_region_of_interest_crop() -> None:
    frame = np.zeros((100, 200, 3), np.uint8)
    crop, offset = crop_roi(frame, (0.5, 0.5, 0.5, 0.5))
    assert crop.shape == (50, 100, 3) and offset == (100, 50)
    assert crop_roi(frame, None)[1] == (0, 0)


# --- decoding -------------------------------------------------------------------


def test_greedy_collapses_repeats_and_drops_blanks() -> None:
    line = _line({"A": 0.9}, {"A": 0.9}, {"": 0.9}, {"A": 0.9}, {"7": 0.8})
    text, confidence = decode_greedy(line, "A7")
    assert text == "AA7"
    assert 0.7 < confidence <= 1.0


def test_template_turns_a_letter_o_into_a_zero_where_a_digit_belongs() -> None:
    # "ABC" then a blurry round character that looks more like O than 0, then "123".
    frames = [
        {"A": 0.9},
        {"B": 0.9},
        {"C": 0.9},
        {"O": 0.6, "0": 0.3},
        {"1": 0.9},
        {"2": 0.9},
        {"3": 0.9},
    ]
    line = _line(*frames)
    assert decode_greedy(line, "".join(ALPHABET[1:]))[0] == "ABCO123"
    brazil_old = FORMATS["BR"].templates[0]
    decoded = decode_template(line, brazil_old)
    assert decoded is not None and decoded.text == "ABC0123"


def test_template_fixes_the_length() -> None:
    # A sticker between two groups reads as an extra "I".
    line = _line(
        {"K": 0.9}, {"C": 0.9}, {"4": 0.9}, {"I": 0.5, "": 0.45}, {"Z": 0.9}, {"3": 0.9}, {"X": 0.9}
    )
    six = decode_template(line, ("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",) * 6)
    seven = decode_template(line, ("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",) * 7)
    assert six is not None and seven is not None
    assert six.text == "KC4Z3X" and seven.text == "KC4IZ3X"
    assert math.isfinite(six.path_logp)


def test_a_californian_plate_keeps_its_letter_i() -> None:
    # US plates in general leave out I, O and Q, but California's 1ABC234 uses them.
    frames = [{c: 0.9} for c in "6XIU641"]
    best = _best_decode(_line(*frames), formats_for(["US"]))
    assert best is not None and best[0].text == "6XIU641"
    # Elsewhere on a US plate an upright stroke is a 1.
    frames = [{"X": 0.9}, {"I": 0.6, "1": 0.3}, {"7": 0.9}, {"K": 0.9}, {"2": 0.9}]
    best = _best_decode(_line(*frames), formats_for(["US"]))
    assert best is not None and best[0].text == "X17K2"


def test_templates_differing_in_one_place_are_decoded_as_one() -> None:
    old, mercosur = FORMATS["BR"].templates
    assert _merged_templates([old, mercosur]) == [(*old[:4], "".join(sorted(L + N)), *old[5:])]
    # Two places apart: merging would accept texts neither template does.
    assert len(_merged_templates([("A", "1"), ("1", "A")])) == 2
    # The merged template reads both kinds of Brazilian plate.
    brazil = formats_for(["BR"])
    for plate in ("ABC1234", "ABC1D23"):
        best = _best_decode(_line(*({c: 0.9} for c in plate)), brazil)
        assert best is not None and best[0].text == plate


def test_us_layouts_make_a_reading_that_fits_no_issued_layout_less_likely() -> None:
    us = FORMATS["US"]
    assert us.prior("6MMD595") == 1.0  # California 1ABC234
    assert us.prior("HH9G5W") == 1.0  # Missouri AB1C2D
    assert us.prior("CWW2245") == 1.0  # Texas ABC1234
    assert us.prior("GHMD595") == pytest.approx(0.3)  # ABCD123: no state issues it
    assert us.prior("1234567") == pytest.approx(0.3)  # digits alone: more often a time stamp
    # Formats without a list of layouts take every reading their templates accept alike.
    assert FORMATS["BR"].prior("ABC1234") == FORMATS["FR"].prior("AB123CD") == 1.0


def test_character_peaks_say_what_else_each_place_could_be() -> None:
    line = _line({"G": 0.6, "6": 0.35}, {"": 0.9}, {"H": 0.9}, {"H": 0.9}, {"M": 0.8})
    peaks = character_peaks(line, "GHM")
    assert peaks is not None and peaks.shape == (3, len(ALPHABET))
    first = [ALPHABET[i] for i in np.argsort(-peaks[0])[:2]]
    assert first == ["G", "6"]
    h = ALPHABET.index("H")
    assert peaks[1, h] == pytest.approx(math.log(line.probs[2:4, h].max()))
    assert character_peaks(line, "GHMXYZ") is None  # longer than the line


def _californian(first: dict[str, float]) -> LineProbabilities:
    """A California plate 6HMD595 whose first character is ``first``."""
    return _line(first, *({c: 0.9} for c in "HMD595"))


def test_a_reading_is_re_read_under_the_issued_layouts_and_the_layout_wins() -> None:
    # The network leans to G for California's first place, which holds a digit.
    line = _californian({"G": 0.6, "6": 0.35})
    us = formats_for(["US"])
    best = _best_decode(line, us)
    assert best is not None and best[0].text == "GHMD595"  # the loose templates allow it
    layouts = {d.text for d, _ in _layout_readings([line], [best], us)}
    assert "6HMD595" in layouts
    ranked = _rescore([line], None, [best, *_layout_readings([line], [best], us)], 1.0, None, us)
    assert ranked[0].text == "6HMD595"
    # Without the park's US layouts the network's own reading stands: GHMD595 is a German
    # layout (GH-MD 595), and the Belgian 6-HMD-595 the evidence does not prefer.
    eu = formats_for(["EU"])
    eu_best = _best_decode(line, eu)
    assert eu_best is not None
    proposals = [eu_best, *_layout_readings([line], [eu_best], eu)]
    assert "6HMD595" in {d.text for d, _ in proposals}
    assert _rescore([line], None, proposals, 1.0, None, eu)[0].text == "GHMD595"


@pytest.mark.parametrize(
    ("country", "plates", "not_plates"),
    [
        ("DE", ["BMW1234", "MAB12", "BMW123E", "KA1H"], ["1234BMW", "B1"]),
        ("FR", ["AB123CD", "1234AB56"], ["AO123CD", "AB123CU"]),  # SIV has no I, O or U
        ("IT", ["AB123CD"], ["AB123CO", "AQ123CD"]),
        ("ES", ["1234BCD"], ["1234ABC", "1234BCQ"]),  # consonants only
        ("NL", ["GB123X", "12BXK3", "XB12ZZ"], ["GA123X", "12CXK3"]),  # no vowels, C or Q
        ("BE", ["1ABC123", "ABC123"], ["1ABC12"]),
        ("PL", ["WA12345", "KR1234A", "WPR1234"], ["12345WA"]),
        ("CZ", ["1A23456", "2AB3456"], ["AB23456"]),
        ("PT", ["12AB34", "AB12CD"], ["ABC123"]),
        ("SE", ["ABC123", "ABC12D"], ["ABI123", "AB123"]),
    ],
)
def test_european_countries_read_their_issued_layouts(
    country: str, plates: list[str], not_plates: list[str]
) -> None:
    plate_format = FORMATS[country]
    for plate in plates:
        assert plate_format.accepts(plate), plate
        assert FORMATS["EU"].prior(plate) == 1.0, plate
    for other in not_plates:
        assert not plate_format.accepts(other), other


def test_a_european_reading_that_fits_no_country_is_half_as_likely() -> None:
    assert FORMATS["EU"].prior("A1B2C3D4") == pytest.approx(0.5)
    assert FORMATS["EU"].accepts("A1B2C3D4")  # still read: a plate of a country not listed


def test_an_o_where_every_european_layout_has_a_digit_is_read_as_zero() -> None:
    # AB-1?3-CD: the network leans to O for the middle character, a French or Italian
    # plate's digit.
    line = _line(*({c: 0.9} for c in "AB1"), {"O": 0.55, "0": 0.4}, *({c: 0.9} for c in "3CD"))
    eu = formats_for(["EU"])
    best = _best_decode(line, eu)
    assert best is not None and best[0].text == "AB1O3CD"  # the loose templates allow it
    proposals = [best, *_layout_readings([line], [best], eu)]
    assert _rescore([line], None, proposals, 1.0, None, eu)[0].text == "AB103CD"


def test_a_round_letter_on_a_french_plate_is_not_an_o() -> None:
    # French plates leave out O: the round last letter is the D the network ranked second.
    line = _line(*({c: 0.9} for c in "AB123C"), {"O": 0.6, "D": 0.3})
    best = _best_decode(line, formats_for(["FR"]))
    assert best is not None and best[0].text == "AB123CD"


def test_a_clear_vanity_plate_outweighs_the_layout_prior() -> None:
    line = _californian({"G": 0.999, "6": 0.0001})
    us = formats_for(["US"])
    best = _best_decode(line, us)
    assert best is not None
    layouts = _layout_readings([line], [best], us)
    assert layouts
    ranked = _rescore([line], None, [best, *layouts], 1.0, None, us)
    assert ranked[0].text == "GHMD595"
    assert ranked[0].confidence > 2 * ranked[1].confidence


def test_a_reading_another_park_format_accepts_keeps_its_full_likelihood() -> None:
    # A park that takes US and European plates: ABCD123 is no US layout but a fine EU plate.
    line = _californian({"G": 0.999, "6": 0.0001})
    best = _best_decode(line, formats_for(["US"]))
    assert best is not None
    for park in (["US", "EU"], ["EU", "US"]):
        ranked = _rescore([line], None, [best], 1.0, None, formats_for(park))
        assert (ranked[0].text, ranked[0].format) == ("GHMD595", "EU")
        assert ranked[0].confidence > 0.9
    assert FORMATS["US"].accepts("GHMD595") and not FORMATS["BR"].accepts("GHMD595")


def test_template_longer_than_the_line_gives_nothing() -> None:
    assert decode_template(_line({"A": 1.0}), ("A", "B")) is None


def test_scoring_a_reading_that_drops_a_visible_character_costs_that_character() -> None:
    # "KC4Z3X", every character clear; "C4Z3X" leaves the K unexplained.
    line = _line({"K": 0.9}, {"": 0.9}, {"C": 0.9}, {"4": 0.9}, {"Z": 0.9}, {"3": 0.9}, {"X": 0.9})
    full, dropped = score_texts(line, ["KC4Z3X", "C4Z3X"])
    # The best alignment of the full text: each frame's 0.9 (K, blank, C, 4, Z, 3, X).
    assert full == pytest.approx(7 * math.log(float(line.probs[0].max())), abs=1e-6)
    # Without the K its frame must be a blank, which the network gave almost nothing.
    assert full - dropped > math.log(0.9 / float(line.probs[0, 0])) - 1e-6
    assert full - dropped > 5.0


def test_scoring_a_text_that_cannot_be_aligned_gives_minus_infinity() -> None:
    line = _line({"A": 0.9}, {"B": 0.9})
    assert score_texts(line, ["ABC", "", "A?"]) == [-math.inf, -math.inf, -math.inf]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="XX"):
        formats_for(["EU", "XX"])


# --- reference -----------------------------------------------------------------------


def test_hin_and_un_reference() -> None:
    assert {"33", "30", "80", "225", "268", "X423"} <= valid_hins()
    assert len(valid_hins()) == 101
    assert is_consistent("33", "1203")
    assert is_consistent("30", "1993") and is_consistent("33", "1993")
    assert not is_consistent("30", "1203")
    assert hins_by_un()["0004"] == frozenset()


# --- locating ------------------------------------------------------------------------


def test_plate_text_row_is_found_in_a_scene() -> None:
    scene = plate_scene("KC4 Z3X", at=(500, 300))
    gray = cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY)
    rows = find_text_rows(gray)
    assert rows, "no candidate row"
    best = rows[0].box
    assert 480 <= best.x <= 520 and 240 <= best.y <= 300
    assert len(rows[0].blobs) == 6
    assert rows[0].mask is not None and rows[0].mask.shape == (best.h, best.w)


def test_characters_touching_the_plate_frame_are_still_found() -> None:
    # Characters 20 px high, as gate cameras see them in a 720-line frame.
    scene = plate_scene("KC4 Z3X", at=(500, 300), scale=1.0)
    (tw, th), _ = cv2.getTextSize("KC4 Z3X", cv2.FONT_HERSHEY_DUPLEX, 1.0, 5)
    # A dealer frame's bars across the plate, touching the tops and feet of the characters:
    # each bar and the characters it touches are one connected blob, too wide to be one.
    for y in (300 - th - 2, 301):
        cv2.line(scene, (492, y), (508 + tw, y), (20, 20, 20), 3)
    rows = find_text_rows(cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY))
    assert rows, "no candidate row"
    assert 495 <= rows[0].box.x <= 510 and 265 <= rows[0].box.y <= 290
    assert len(rows[0].blobs) == 6


def test_an_empty_scene_has_no_rows() -> None:
    gray = np.full((480, 640), 128, np.uint8)
    assert find_text_rows(gray) == []


def test_a_short_line_is_a_row_only_above_a_plate_line_and_only_for_two_line_formats() -> None:
    two_lines = cv2.cvtColor(two_line_plate_scene("MAB", "1234"), cv2.COLOR_BGR2GRAY)
    short = [r for r in find_text_rows(two_lines, two_line=True) if len(r.blobs) == 3]
    assert len(short) == 1 and short[0].box.y < 260  # the top line, above "1234"
    assert all(len(r.blobs) >= 4 for r in find_text_rows(two_lines))
    alone = cv2.cvtColor(plate_scene("MAB"), cv2.COLOR_BGR2GRAY)
    assert all(len(r.blobs) >= 4 for r in find_text_rows(alone, two_line=True))


# --- character blobs ------------------------------------------------------------------


def test_blob_decoding_leaves_out_a_sticker() -> None:
    from gatekeeper.vision.charnet import CLASSES
    from gatekeeper.vision.plates import _decode_blobs

    def blob(char: str | None) -> np.ndarray:
        row = np.full(len(CLASSES), math.log(0.2 / 35))
        if char is None:  # a sticker: nothing stands out
            return np.full(len(CLASSES), math.log(1 / 36))
        row[CLASSES.index(char)] = math.log(0.8)
        return row

    logp = np.stack([blob(c) for c in ("K", "C", "4", None, "Z", "3", "X")])
    six = _decode_blobs(logp, ("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",) * 6)
    assert six is not None and six.text == "KC4Z3X"
    assert _decode_blobs(logp[:3], ("0123456789",) * 4) is None


def test_normalized_character_is_centred_and_scaled() -> None:
    from gatekeeper.vision.charnet import normalize_char

    mask = np.full((40, 20), 255, np.uint8)
    mask[5:35, 8:12] = 0  # a "1"
    out = normalize_char(mask)
    assert out.shape == (32, 32) and out.max() == 1.0
    rows = np.nonzero(out.max(axis=1))[0]
    assert rows[0] >= 1 and rows[-1] <= 30 and rows[-1] - rows[0] >= 26


# --- generated plate rows (training material for the row network) --------------------


def test_generated_plate_rows_are_repeatable_and_camera_sized() -> None:
    from gatekeeper.vision.training.plate_lines import make_line

    first = make_line(np.random.default_rng(7))
    again = make_line(np.random.default_rng(7))
    assert first.text == again.text and np.array_equal(first.image, again.image)
    rng = np.random.default_rng(8)
    for _ in range(40):
        line = make_line(rng)
        assert line.image.dtype == np.uint8 and line.image.ndim == 2
        assert 8 <= line.image.shape[0] <= 80  # 9-30 px characters, margins, a tilt
        assert line.image.shape[1] > line.image.shape[0]  # a row, wider than high
        assert 2 <= len(line.text) <= 9 and set(line.text) <= set(ALNUM)


def test_box_iou() -> None:
    from gatekeeper.vision.types import Box

    a = Box(0, 0, 10, 10)
    assert a.iou(a) == 1.0
    assert a.iou(Box(20, 20, 5, 5)) == 0.0
    assert a.iou(Box(5, 0, 10, 10)) == pytest.approx(50 / 150)


# --- the recognition network on ONNX Runtime, and the format-constrained Viterbi ----------


@pytest.mark.parametrize("network", ["easyocr", "plate rows"])
def test_the_onnx_runtime_recogniser_gives_the_pytorch_networks_probabilities(
    network: str,
) -> None:
    import torch

    from gatekeeper.vision import ocr
    from gatekeeper.vision.training.plate_lines import make_line

    model, alphabet = ocr._base_copy()
    height = ocr.MODEL_HEIGHT
    if network == "plate rows":
        state = torch.load(ocr.LINE_WEIGHTS, map_location="cpu", weights_only=True)
        model.load_state_dict({k: v.float() for k, v in state.items()})
        height = ocr.LINE_HEIGHT
    model.eval()
    rng = np.random.default_rng(3)
    images = [make_line(rng).image for _ in range(5)] + [np.full((20, 9), 255, np.uint8)]
    recognizer = ocr.Recognizer(copy.deepcopy(model), alphabet, height)
    for image in images:
        (line,) = recognizer.probabilities([image])
        with torch.no_grad():
            logits = model(ocr.line_batch([image], height), None)
        expected = torch.softmax(logits, dim=2).numpy()[0]
        assert line.probs.shape == expected.shape and line.alphabet == alphabet
        np.testing.assert_allclose(line.probs, expected, atol=2e-4)


def _best_ctc_path_logp(logp: np.ndarray, template: list[str], alphabet: tuple[str, ...]) -> float:
    """Every CTC path tried: the best log-probability of one whose collapse fits."""
    best = -math.inf
    steps, size = logp.shape
    for path in itertools.product(range(size), repeat=steps):
        text, previous = [], 0
        for index in path:
            if index and index != previous:
                text.append(alphabet[index])
            previous = index
        if len(text) == len(template) and all(
            c in cls for c, cls in zip(text, template, strict=True)
        ):
            best = max(best, float(sum(logp[t, i] for t, i in enumerate(path))))
    return best


def test_the_template_viterbi_finds_the_best_ctc_path_that_fits_the_template() -> None:
    alphabet = ("[blank]", "A", "B", "7")
    rng = np.random.default_rng(11)
    tried = 0
    for case in range(120):
        steps = int(rng.integers(2, 7))
        logits = rng.normal(0, 2, (steps, len(alphabet)))
        if case % 3 == 0:
            logits = np.round(logits)  # ties between moves
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        places = int(rng.integers(1, 4))
        template = [str(rng.choice(["AB", "7", "AB7", "A"])) for _ in range(places)]
        line = LineProbabilities(probs.astype(np.float32), alphabet)
        decoded = decode_template(line, template)
        union = "".join(template)
        masked = np.where([i == 0 or c in union for i, c in enumerate(alphabet)], probs, 0.0)
        logp = np.log(np.maximum(masked / masked.sum(axis=1, keepdims=True), 1e-13))
        expected = _best_ctc_path_logp(logp, template, alphabet)
        if not math.isfinite(expected) or expected < -25:
            assert decoded is None or decoded.path_logp < -25
            continue
        tried += 1
        assert decoded is not None
        assert decoded.path_logp == pytest.approx(expected, abs=1e-6)
        # The text read back from the lattice is one that has a path this good.
        assert _best_ctc_path_logp(logp, list(decoded.text), alphabet) == pytest.approx(
            expected, abs=1e-6
        )
    assert tried > 60


def test_a_line_asked_for_alone_reads_as_in_the_whole_batch_and_only_its_chunk_runs() -> None:
    from gatekeeper.vision import ocr
    from gatekeeper.vision.training.plate_lines import make_line

    recognizer = ocr.get_recognizer()
    rng = np.random.default_rng(11)
    images = [make_line(rng).image for _ in range(5)]
    images += [np.hstack([images[0]] * 3), images[1][:, : images[1].shape[1] // 2]]
    chunks = recognizer.chunks(images)
    assert len(chunks) >= 3
    whole = recognizer.probabilities(images)
    for index in range(len(images)):
        batch = ocr.LineBatch(recognizer, images)
        (line,) = batch.lines([index])
        np.testing.assert_array_equal(line.probs, whole[index].probs)
        assert batch.runs == 1  # its own chunk only
        batch.lines([index])
        assert batch.runs == 1  # read once
    # Why: a line run alone is not padded as in its chunk, and reads otherwise.
    padded = next(chunk for chunk in chunks if len(chunk) > 1)[0]
    (alone,) = recognizer.run([images[padded]])
    assert alone.probs.shape != whole[padded].probs.shape or not np.array_equal(
        alone.probs, whole[padded].probs
    )

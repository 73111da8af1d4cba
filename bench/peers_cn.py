"""The peers on the Chinese plates, run in .benchenv (OpenCV 4, never the product's
environment): HyperLPR (hyperlpr2) and a generic PP-OCRv4 reading of the whole frame
(rapidocr-onnxruntime, no plate logic). One JSON object per image: what each read and how
long it took (warm, median over the set is computed by the caller).

    .benchenv/bin/python bench/peers_cn.py ../shared/data/plates/cn > bench-results/cn-peers.json
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from pathlib import Path

import cv2

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE = re.compile(f"[{PROVINCES}][A-Z][A-Z0-9]{{4,6}}[挂学警港澳领]?")


def _hyperlpr():
    import hyperlpr2

    def read(image, crop):
        if crop:  # the plate's box is given: its recogniser alone, as on its own crops
            text, confidence = hyperlpr2.PR.segmentation_free_recognition(
                cv2.resize(image, (136, 36))
            )
            return [(text, float(confidence))]
        return [(r[0], float(r[1])) for r in hyperlpr2.HyperLPR_plate_recognition(image)]

    return read


def _ppocr():
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR()

    def read(image, crop):
        if crop:  # the plate's box is given: recognition only
            result, _elapse = engine(image, use_det=False, use_cls=False)
            texts = [str(line[0]) for line in (result or [])]
        else:
            result, _elapse = engine(image)
            texts = [str(line[1]) for line in (result or [])]
        # The generic reading has no plate logic: the whole frame's text, separators out,
        # and the longest plate-shaped run in it (two lines joined top to bottom).
        joined = re.sub(r"[\s·.\-•]", "", "".join(texts)).upper()
        found = PLATE.findall(joined)
        return [(max(found, key=len), 1.0)] if found else ([(joined, 0.0)] if joined else [])

    return read


def main(folder: Path) -> None:
    with (folder / "labels.csv").open(encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    peers = {"hyperlpr": _hyperlpr(), "ppocr": _ppocr()}
    warm = cv2.imread(str(folder / rows[0]["image"]))
    for read in peers.values():
        read(warm, True)
    out = []
    for row in rows:
        image = cv2.imread(str(folder / row["image"]))
        crop = image.shape[:2] == (int(row["h"]), int(row["w"]))
        entry = {"image": row["image"], "truth": row["plate"]}
        for name, read in peers.items():
            started = time.perf_counter()
            try:
                reads = read(image, crop)
            except Exception as exc:
                reads, entry[f"{name}_error"] = [], str(exc)[:200]
            entry[name] = reads[0][0] if reads else None
            entry[f"{name}_ms"] = round((time.perf_counter() - started) * 1000, 1)
        out.append(entry)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(Path(sys.argv[1]))

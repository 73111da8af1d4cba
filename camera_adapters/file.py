"""Replays an image file, a folder of images or a video file: for tests and demos."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

import cv2

from camera_adapters.base import AdapterConfig, CameraAdapter, CameraError, Frame

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


class FileConfig(AdapterConfig):
    type: Literal["file"] = "file"
    path: Path
    loop: bool = True


class FileAdapter(CameraAdapter):
    type_key: ClassVar[str] = "file"
    config_model: ClassVar[type[AdapterConfig]] = FileConfig
    config: FileConfig

    def __init__(self, config: FileConfig) -> None:
        super().__init__(config)
        self._images: list[Path] = []
        self._index = 0
        self._video: cv2.VideoCapture | None = None

    def open(self) -> None:
        path = self.config.path
        if path.is_dir():
            self._images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self._images:
                raise CameraError(f"no images in {path}")
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            if not path.is_file():
                raise CameraError(f"no such file: {path}")
            self._images = [path]
        else:
            video = cv2.VideoCapture(str(path))
            if not video.isOpened():
                raise CameraError(f"cannot open video {path}")
            self._video = video
        self._index = 0
        self._detail = "open"

    def _grab_one(self) -> Frame:
        if self._video is not None:
            ok, frame = self._video.read()
            if not ok and self.config.loop:
                self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = self._video.read()
            if not ok:
                raise CameraError("end of video")
            return frame
        if not self._images:
            raise CameraError("not opened")
        if self._index >= len(self._images):
            if not self.config.loop:
                raise CameraError("no more images")
            self._index = 0
        path = self._images[self._index]
        self._index += 1
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise CameraError(f"unreadable image {path.name}")
        return image

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
            self._video = None
        super().close()

"""Decode a video file with OpenCV into ``(T, C, H, W)`` uint8 RGB."""
import logging
import os
from typing import Optional

import cv2
import numpy as np
from mmengine.logging import print_log

from .frame_transform import FrameTransform

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
                    '.mpeg', '.wmv', '.flv', '.ogv', '.gif')


def is_video(path: str) -> bool:
    return path.lower().endswith(VIDEO_EXTENSIONS)


def video_fps(path: str) -> Optional[float]:
    """Frames per second stored in the file, or None if unknown."""
    capture = cv2.VideoCapture(path)
    fps = capture.get(cv2.CAP_PROP_FPS) if capture.isOpened() else 0
    capture.release()
    return float(fps) if fps and fps > 0 else None


def read_video(path: str, frame_stride: int = 1,
               transform: Optional[FrameTransform] = None) -> np.ndarray:
    """Every ``frame_stride``-th frame of ``path``, transformed.

    The whole (subsampled, transformed) video is held in memory: decoding
    has no reliable random access. For videos too large for that, or too
    slow to decode every run, convert once with
    ``tools/dataset_converters/videos_to_array.py`` (memory-mapped).

    A video that decodes fewer frames than its container declares (a
    damaged or cut file; FFmpeg reports the decode errors on stderr only)
    is used as far as it decodes, with a warning giving both counts.

    Returns:
        np.ndarray: uint8 ``(T, C, H, W)``, RGB (OpenCV's BGR converted).

    Raises:
        FileNotFoundError: ``path`` is missing.
        ValueError: OpenCV cannot decode it (message names the fix).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'Video file {path} does not exist.')
    transform = transform or FrameTransform()
    capture = cv2.VideoCapture(path)
    declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    frames = []
    index = 0
    try:
        while capture.isOpened():
            ok, frame = capture.read()
            if not ok:
                break
            if index % frame_stride == 0:
                if frame.ndim == 2:
                    frame = frame[:, :, None]
                else:
                    frame = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                frames.append(transform(frame.transpose(2, 0, 1)[None])[0])
            index += 1
    finally:
        capture.release()
    if not frames:
        raise ValueError(
            f'OpenCV cannot decode any frame of {path}. Check that it is a '
            'video, or re-encode it (ffmpeg -i INPUT -c:v libx264 OUT.mp4), '
            'or extract its frames into a folder of PNGs.')
    warn_short_video(path, declared, index)
    return np.stack(frames)


def warn_short_video(path: str, declared: int, decoded: int) -> None:
    """Warn when ``decoded`` frames are fewer than the ``declared`` ones.
    Containers that estimate the count from duration and rate can be off by
    a frame or two; a shortfall beyond 1 frame and 1 % is reported."""
    if declared - decoded > max(1, declared // 100):
        print_log(
            f'{path}: its container declares {declared} frames but only '
            f'{decoded} decode (damaged or cut file?); using the {decoded}. '
            'Check it with ffmpeg -v error -i FILE -f null -, or re-encode '
            'it.', logger='current', level=logging.WARNING)

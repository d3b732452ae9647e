"""Moving coloured shapes: a synthetic colour, non-square video for tests,
the example config and users who want to try the pipeline without data;
writers of frames as a video or a ``.npy`` array (for the footage of
:mod:`predrnn.datasets.sprite_footage` too)."""
import json
import os
from typing import Optional

import cv2
import numpy as np

from predrnn.utils import atomic_write
from .array_file import sidecar_path


def moving_shapes(num_frames: int, height: int = 48, width: int = 64,
                  num_shapes: int = 3, seed: int = 0) -> np.ndarray:
    """Discs and squares of random colours bouncing off the borders.

    Returns:
        np.ndarray: uint8 RGB frames ``(T, H, W, 3)``.
    """
    rng = np.random.default_rng(seed)
    size = max(2, min(height, width) // 6)
    pos = rng.uniform([size, size], [height - size, width - size],
                      (num_shapes, 2))
    vel = rng.uniform(-1, 1, (num_shapes, 2)) * (min(height, width) / 16)
    colors = rng.integers(60, 256, (num_shapes, 3))
    frames = np.zeros((num_frames, height, width, 3), np.uint8)
    for t in range(num_frames):
        frame = frames[t]
        frame[:] = (16, 16, 32)
        for k in range(num_shapes):
            y, x = (int(round(v)) for v in pos[k])
            color = tuple(int(c) for c in colors[k])
            if k % 2:
                cv2.rectangle(frame, (x - size, y - size),
                              (x + size, y + size), color, -1)
            else:
                cv2.circle(frame, (x, y), size, color, -1)
        pos += vel
        for d, limit in enumerate((height, width)):
            low, high = pos[:, d] < size, pos[:, d] > limit - size
            vel[low | high, d] *= -1
            pos[:, d] = np.clip(pos[:, d], size, limit - size)
    return frames


def write_video(path: str, frames: np.ndarray, fps: float = 10.0,
                fourcc: Optional[str] = None) -> str:
    """Write RGB frames ``(T, H, W, 3)`` with OpenCV, atomically.

    Args:
        fourcc (str, optional): Codec; ``'mp4v'`` for ``.mp4``, ``'MJPG'``
            otherwise when None.
    """
    if fourcc is None:
        fourcc = 'mp4v' if path.lower().endswith('.mp4') else 'MJPG'
    height, width = frames.shape[1:3]
    ext = os.path.splitext(path)[1]
    with atomic_write(path) as tmp:
        # OpenCV picks the container from the extension: keep it.
        tmp_video = tmp + ext
        writer = cv2.VideoWriter(tmp_video, cv2.VideoWriter_fourcc(*fourcc),
                                 fps, (width, height))
        if not writer.isOpened():
            raise RuntimeError(f'OpenCV cannot write {fourcc} video {path}')
        try:
            for frame in frames:
                writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        finally:
            writer.release()
        os.replace(tmp_video, tmp)
    return path


def write_frames_array(path: str, frames: np.ndarray, fps: float = 10.0,
                       **info) -> str:
    """Write RGB frames ``(T, H, W, 3)`` as ``.npy`` (layout ``THWC``) with
    the JSON sidecar :class:`~predrnn.datasets.SequenceDataset` reads the
    layout from; both atomically. ``info`` goes into the sidecar."""
    meta = dict(layout='THWC', shape=list(frames.shape),
                dtype=str(frames.dtype), fps=fps,
                value_range=[float(frames.min()), float(frames.max())],
                created_by='tools/dataset_converters/make_synthetic_video.py',
                **info)
    with atomic_write(path) as tmp:
        with open(tmp, 'wb') as f:
            np.save(f, frames)
    with atomic_write(sidecar_path(path)) as tmp:
        with open(tmp, 'w') as f:
            json.dump(meta, f, indent=2)
    return path

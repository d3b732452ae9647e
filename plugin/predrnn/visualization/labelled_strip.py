"""A strip a person can read: the rows of the paper's figure (observed,
truth, forecast) enlarged to a minimum frame size with nearest-neighbour
scaling, a label column naming each row, the step of every frame in its
corner (``-9 .. 0`` observed, ``+1 .. +10`` forecast) and, when the truth
is known, a row of the absolute error (mean over channels) in a colour map
scaled to the clip's largest error, which the label states.

Frames are ``(T, C, H, W)`` in [0, 1]; the result is a ``uint8`` RGB image
``(H, W, 3)``.
"""
import math
from typing import Any, List, Optional

import cv2
import numpy as np

from .clip_rendering import _hstack, frames_to_numpy, frames_to_rgb_uint8

LABEL_WIDTH = 96
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _text(image: np.ndarray, text: str, org, scale: float = 0.4,
          color=(0, 0, 0), outline: Optional[tuple] = None) -> None:
    if outline is not None:
        cv2.putText(image, text, org, FONT, scale, outline, 3, cv2.LINE_AA)
    cv2.putText(image, text, org, FONT, scale, color, 1, cv2.LINE_AA)


def _numbered(images: np.ndarray, first: int) -> np.ndarray:
    """Write each frame's step (``first``, ``first + 1``, ...) in its top
    left corner, white with a black outline (readable on any content)."""
    images = images.copy()
    for i, image in enumerate(images):
        step = first + i
        _text(image, f'{step:+d}' if step else '0', (2, 12),
              color=(255, 255, 255), outline=(0, 0, 0))
    return images


def error_images(gt: Any, pred: Any, scale: int) -> tuple:
    """``|pred - gt|`` averaged over channels as inferno-coloured RGB
    images scaled to the largest error, and that error."""
    error = np.abs(np.clip(frames_to_numpy(pred), 0, 1)
                   - frames_to_numpy(gt)).mean(axis=1)  # (T, H, W)
    peak = float(error.max())
    grey = np.rint(error / peak * 255 if peak > 0 else error).astype(np.uint8)
    coloured = np.stack([
        cv2.applyColorMap(g, cv2.COLORMAP_INFERNO)[:, :, ::-1] for g in grey])
    coloured = coloured.repeat(scale, axis=1).repeat(scale, axis=2)
    return np.ascontiguousarray(coloured), peak


def draw_labelled_strip(inputs: Any, gt: Optional[Any], pred: Any,
                        min_frame_size: int = 64, error_row: bool = True,
                        sep_width: int = 2, sep_value: int = 255
                        ) -> np.ndarray:
    """The labelled strip of the module docstring.

    Args:
        inputs: Observed frames ``(T_in, C, H, W)``.
        gt: True future frames ``(T_out, C, H, W)``, or None (a forecast of
            an unknown future: no truth or error row).
        pred: Forecast frames ``(T_out, C, H, W)``.
        min_frame_size (int): Frames are enlarged by the smallest integer
            factor that makes their shorter side at least this many pixels.
        error_row (bool): Add the error row when ``gt`` is given.
        sep_width (int): Separator width. sep_value (int): its grey level.

    Returns:
        np.ndarray: uint8 RGB image.
    """
    height, width = frames_to_numpy(pred).shape[2:]
    scale = max(1, math.ceil(min_frame_size / min(height, width)))
    t_in = frames_to_numpy(inputs).shape[0]
    rows = [('observed', _numbered(frames_to_rgb_uint8(inputs, scale),
                                   1 - t_in))]
    if gt is not None:
        rows.append(('truth', _numbered(frames_to_rgb_uint8(gt, scale), 1)))
    rows.append(('forecast', _numbered(frames_to_rgb_uint8(pred, scale), 1)))
    if gt is not None and error_row:
        errors, peak = error_images(gt, pred, scale)
        rows.append((f'|error|\nmax {peak:.3g}', _numbered(errors, 1)))
    strips = [_hstack(images, sep_width, sep_value) for _, images in rows]
    total = max(s.shape[1] for s in strips)
    lines: List[np.ndarray] = []
    for i, ((label, _), strip) in enumerate(zip(rows, strips)):
        row_height = strip.shape[0]
        label_image = np.full((row_height, LABEL_WIDTH, 3), 255, np.uint8)
        for k, line in enumerate(label.split('\n')):
            _text(label_image, line, (4, 16 + 14 * k))
        pad = np.full((row_height, total - strip.shape[1], 3), sep_value,
                      np.uint8)
        if i:
            lines.append(np.full((sep_width, LABEL_WIDTH + total, 3),
                                 sep_value, np.uint8))
        lines.append(np.concatenate([label_image, strip, pad], axis=1))
    return np.concatenate(lines, axis=0)

"""Turn a predicted clip into pictures: the paper's strip and GIF frames.

The strip follows the layout of the qualitative figures of PredRNN-V2
(Wang et al., TPAMI 2022, arXiv 2103.09504): row 1 the observed input
frames, row 2 the ground-truth future frames, row 3 the predicted future
frames, separated by thin lines. Everything here is plain numpy on
``(T, C, H, W)`` float arrays in [0, 1] and returns ``uint8`` RGB images of
shape ``(H, W, 3)``, the layout mmengine's ``Visualizer.add_image`` expects.
"""
from typing import Any, List

import numpy as np
import torch


def frames_to_numpy(frames: Any) -> np.ndarray:
    """Return frames (tensor on any device, or array) as float32 numpy.

    Args:
        frames (Any): Frames of shape (T, C, H, W).

    Returns:
        np.ndarray: float32 array of shape (T, C, H, W).
    """
    if isinstance(frames, torch.Tensor):
        frames = frames.detach().to(device='cpu', dtype=torch.float32)
        frames = frames.numpy()
    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim != 4:
        raise ValueError('expected frames of shape (T, C, H, W), got '
                         f'{frames.shape}')
    return frames


def frames_to_rgb_uint8(frames: Any, scale: int = 1) -> np.ndarray:
    """Clip frames to [0, 1] and make them ``uint8`` RGB images.

    Args:
        frames (Any): Frames of shape (T, C, H, W) with C = 1 (expanded to
            grey RGB) or C = 3 (taken as RGB).
        scale (int): Integer nearest-neighbour magnification. Defaults to 1.

    Returns:
        np.ndarray: uint8 array of shape (T, H * scale, W * scale, 3).
    """
    frames = frames_to_numpy(frames)
    channels = frames.shape[1]
    if channels == 1:
        frames = np.repeat(frames, 3, axis=1)
    elif channels != 3:
        raise ValueError('only 1-channel (grey) or 3-channel (RGB) frames '
                         f'can be drawn, got {channels} channels')
    images = np.rint(np.clip(frames, 0.0, 1.0) * 255.0).astype(np.uint8)
    images = images.transpose(0, 2, 3, 1)
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    return np.ascontiguousarray(images)


def _hstack(images: np.ndarray, sep_width: int, sep_value: int) -> np.ndarray:
    """Lay (T, H, W, 3) images side by side with separator columns."""
    num, height = images.shape[:2]
    sep = np.full((height, sep_width, 3), sep_value, dtype=np.uint8)
    parts: List[np.ndarray] = []
    for i in range(num):
        if i:
            parts.append(sep)
        parts.append(images[i])
    return np.concatenate(parts, axis=1)


def draw_video_strip(inputs: Any,
                     gt: Any,
                     pred: Any,
                     sep_width: int = 2,
                     sep_value: int = 255,
                     scale: int = 1) -> np.ndarray:
    """Draw inputs, ground truth and prediction as three rows.

    Rows of unequal length (``T_in != T_out``) are left-aligned and padded
    with the separator colour. Predictions are clipped to [0, 1].

    Args:
        inputs (Any): Observed frames, shape (T_in, C, H, W).
        gt (Any): Ground-truth future frames, shape (T_out, C, H, W).
        pred (Any): Predicted future frames, shape (T_out, C, H, W).
        sep_width (int): Width in pixels of the separators between frames
            and rows. Defaults to 2.
        sep_value (int): Grey level (0-255) of the separators. Defaults to
            255 (white, as in the paper's figures).
        scale (int): Integer magnification of each frame. Defaults to 1.

    Returns:
        np.ndarray: uint8 RGB image of shape
        ``(3 * H' + 2 * sep_width, max(T_in, T_out) * (W' + sep_width) -
        sep_width, 3)`` with ``H' = H * scale``, ``W' = W * scale``.
    """
    rows = [
        _hstack(frames_to_rgb_uint8(x, scale), sep_width, sep_value)
        for x in (inputs, gt, pred)
    ]
    width = max(row.shape[1] for row in rows)
    height = rows[0].shape[0]
    canvas_rows: List[np.ndarray] = []
    for i, row in enumerate(rows):
        if row.shape[0] != height:
            raise ValueError('inputs, gt and pred must have the same frame '
                             'size')
        if i:
            canvas_rows.append(
                np.full((sep_width, width, 3), sep_value, dtype=np.uint8))
        pad = np.full((height, width - row.shape[1], 3),
                      sep_value,
                      dtype=np.uint8)
        canvas_rows.append(np.concatenate([row, pad], axis=1))
    return np.concatenate(canvas_rows, axis=0)


def draw_gif_frames(inputs: Any,
                    gt: Any,
                    pred: Any,
                    with_inputs: bool = True,
                    sep_width: int = 2,
                    sep_value: int = 255,
                    scale: int = 1) -> List[np.ndarray]:
    """Frames of an animation: ground truth (left) beside prediction (right).

    Args:
        inputs (Any): Observed frames, shape (T_in, C, H, W).
        gt (Any): Ground-truth future frames, shape (T_out, C, H, W).
        pred (Any): Predicted future frames, shape (T_out, C, H, W).
        with_inputs (bool): Play the observed frames first, the same on both
            sides, so the animation shows the whole clip. Defaults to True.
        sep_width (int): Width of the separator between the two panels.
            Defaults to 2.
        sep_value (int): Grey level of the separator. Defaults to 255.
        scale (int): Integer magnification. Defaults to 1.

    Returns:
        list[np.ndarray]: ``T_in + T_out`` (or ``T_out``) uint8 RGB images of
        shape ``(H', 2 * W' + sep_width, 3)``.
    """
    left = frames_to_rgb_uint8(gt, scale)
    right = frames_to_rgb_uint8(pred, scale)
    if with_inputs:
        context = frames_to_rgb_uint8(inputs, scale)
        left = np.concatenate([context, left])
        right = np.concatenate([context, right])
    height = left.shape[1]
    sep = np.full((height, sep_width, 3), sep_value, dtype=np.uint8)
    return [np.concatenate([a, sep, b], axis=1) for a, b in zip(left, right)]

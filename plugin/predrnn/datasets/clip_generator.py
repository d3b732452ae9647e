"""Rendering Moving MNIST clips from a bank of digit images.

A clip is drawn from a ``numpy.random.Generator`` in this documented order, so
that anyone can reproduce it: ``u = rng.random((num_digits, 3))`` gives each
digit's start ``x = u[k, 0]``, ``y = u[k, 1]`` and direction
``theta = 2 pi u[k, 2]``; then ``ids = rng.integers(0, len(digits),
num_digits)`` picks the digit images. Trajectories follow
:mod:`predrnn.datasets.trajectories`; digits are composed by pixel-wise
maximum (overlaps keep the brighter pixel, as in the standard generator).

Rendering is vectorised: a strided view of the canvas exposes every
digit-sized window, so each digit is pasted into all T frames at its integer
offsets by one gather, one ``np.maximum`` and one scatter; no per-pixel (or
per-frame) Python.
"""
import math
from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .trajectories import bounce_trajectory, pixel_offsets


MIN_DIGIT_SIZE = 8


def check_digit_size(digit_size: int, image_size: int) -> None:
    """Validate the digit size of a Moving MNIST configuration against its
    canvas.

    The rule: ``8 <= digit_size < image_size``. Below 8 x 8 (the size of
    the smallest digit sets in use, e.g. scikit-learn's ``load_digits``) a
    28 x 28 MNIST digit shrunk by area averaging loses its strokes and
    becomes a blob; a digit as large as the canvas has no room to move
    (the free width ``image_size - digit_size`` is the range of motion).

    Raises:
        ValueError: Naming the sizes and the allowed range.
    """
    if not MIN_DIGIT_SIZE <= digit_size < image_size:
        why = (f'digits below {MIN_DIGIT_SIZE} x {MIN_DIGIT_SIZE} lose their '
               'strokes' if digit_size < MIN_DIGIT_SIZE else
               'a digit as large as the canvas cannot move')
        raise ValueError(
            f'digit_size={digit_size} does not fit image_size={image_size}: '
            f'it must be at least {MIN_DIGIT_SIZE} and smaller than '
            f'image_size ({why}); the standard is 28 on 64')


class ClipGenerator:
    """Generate clips of digits bouncing in a square canvas.

    Args:
        digits (np.ndarray): ``uint8`` digit bank of shape
            ``(N, digit_size, digit_size)``.
        image_size (int): Canvas height and width. Defaults to 64.
        num_digits (int): Digits per clip. Defaults to 2.
        num_frames (int): Frames per clip T. Defaults to 20.
        step_length (float): Distance per frame as a fraction of the free
            width ``image_size - digit_size``. Defaults to 0.1.
    """

    def __init__(self,
                 digits: np.ndarray,
                 image_size: int = 64,
                 num_digits: int = 2,
                 num_frames: int = 20,
                 step_length: float = 0.1) -> None:
        if digits.ndim != 3 or digits.shape[1] != digits.shape[2]:
            raise ValueError('digits must be (N, size, size), got '
                             f'{digits.shape}')
        if not 1 <= digits.shape[1] < image_size:
            raise ValueError(f'digit size {digits.shape[1]} must be smaller '
                             f'than the image size {image_size}, so that '
                             'digits have room to move')
        if num_digits < 1 or num_frames < 1:
            raise ValueError('num_digits and num_frames must be >= 1, got '
                             f'{num_digits} and {num_frames}')
        self.digits = np.ascontiguousarray(digits, dtype=np.uint8)
        self.image_size = image_size
        self.digit_size = digits.shape[1]
        self.num_digits = num_digits
        self.num_frames = num_frames
        self.step_length = step_length

    def generate(self, rng: np.random.Generator) -> np.ndarray:
        """Draw one clip from ``rng`` (draw order in the module docstring).

        Args:
            rng (np.random.Generator): Consumed by this call.

        Returns:
            np.ndarray: ``uint8`` clip of shape ``(T, H, W)``.
        """
        starts = rng.random((self.num_digits, 3)).tolist()
        ids = rng.integers(0, len(self.digits), self.num_digits).tolist()
        return self.render(ids, [s[0] for s in starts],
                           [s[1] for s in starts],
                           [2 * math.pi * s[2] for s in starts])

    def render(self, ids: Sequence[int], xs: Sequence[float],
               ys: Sequence[float], thetas: Sequence[float]) -> np.ndarray:
        """Render a clip from explicit per-digit parameters.

        Args:
            ids (Sequence[int]): Index of each digit in the bank.
            xs (Sequence[float]): Start column coordinates in ``[0, 1]``.
            ys (Sequence[float]): Start row coordinates in ``[0, 1]``.
            thetas (Sequence[float]): Directions in radians.

        Returns:
            np.ndarray: ``uint8`` clip of shape ``(T, H, W)``.
        """
        size, free = self.digit_size, self.image_size - self.digit_size
        num_frames = self.num_frames
        clip = np.zeros((num_frames, self.image_size, self.image_size),
                        np.uint8)
        # windows[t, r, c] is the digit-sized patch of frame t at offset
        # (r, c): one fancy-indexed read and write per digit pastes it in
        # every frame (distinct frames, so the writes never overlap).
        s_t, s_r, s_c = clip.strides
        windows = as_strided(
            clip, (num_frames, free + 1, free + 1, size, size),
            (s_t, s_r, s_c, s_r, s_c))
        frames = np.arange(num_frames)
        for idx, x, y, theta in zip(ids, xs, ys, thetas):
            rows, cols = bounce_trajectory(x, y, theta, num_frames,
                                           self.step_length)
            rows, cols = pixel_offsets(rows, free), pixel_offsets(cols, free)
            windows[frames, rows, cols] = np.maximum(
                windows[frames, rows, cols], self.digits[idx])
        return clip

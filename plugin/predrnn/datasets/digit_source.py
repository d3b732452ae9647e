"""Where the digits of Moving MNIST come from: an IDX file or the stand-in."""
import logging
import os
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np
from mmengine.logging import print_log

from .idx_io import read_idx_images
from .stand_in_digits import make_stand_in_digits

PREPARE_COMMAND = ('python tools/prepare_data.py mmnist --data-root data '
                   '(mfmnist for Moving Fashion-MNIST)')

_warned = set()


def warn_once(message: str, key: Optional[str] = None) -> None:
    """Log ``message`` as a warning once per process and ``key`` (defaults
    to the message itself)."""
    key = message if key is None else key
    if key not in _warned:
        _warned.add(key)
        print_log(message, logger='current', level=logging.WARNING)


@dataclass
class DigitBank:
    """Digit images and a description of their origin.

    Attributes:
        images (np.ndarray): ``uint8`` images ``(N, size, size)``.
        source (str): The IDX file path, or ``'stand-in'``.
        is_stand_in (bool): Whether these are the procedural stand-ins.
    """
    images: np.ndarray
    source: str
    is_stand_in: bool


def resolve_path(data_root: str, name: str) -> Optional[str]:
    """Return the existing file for ``name`` (relative to ``data_root``
    unless absolute), also trying it with or without ``.gz``; None if none
    exists.

    Raises:
        IsADirectoryError: If a candidate exists but is not a file (a
            folder where a data file is expected is a mistake to report,
            not a missing file to fall back from).
    """
    path = name if os.path.isabs(name) else os.path.join(data_root, name)
    alternative = path[:-3] if path.endswith('.gz') else path + '.gz'
    for candidate in (path, alternative):
        if os.path.isfile(candidate):
            return candidate
        if os.path.exists(candidate):
            raise IsADirectoryError(f'{candidate} exists but is not a file; '
                                    'a data file is expected there')
    return None


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    """Resize a ``(N, h, w)`` bank to ``(N, size, size)`` with OpenCV."""
    if images.shape[1:] == (size, size):
        return images
    interpolation = (
        cv2.INTER_AREA if size < images.shape[1] else cv2.INTER_LINEAR)
    return np.stack(
        [cv2.resize(im, (size, size), interpolation=interpolation)
         for im in images])


def load_digit_bank(data_root: str,
                    digit_file: str,
                    digit_size: int = 28,
                    seed: int = 0,
                    stream: int = 0,
                    num_stand_in: int = 5000,
                    allow_stand_in: bool = True) -> DigitBank:
    """Load the digits from an IDX file, or fall back to the stand-in.

    Args:
        data_root (str): Folder of the data files.
        digit_file (str): IDX image file, relative to ``data_root`` unless
            absolute; ``.gz`` or not, either is found.
        digit_size (int): Size the digits are resized to. Defaults to 28.
        seed (int): Seed of the stand-in digits. Defaults to 0.
        stream (int): Stand-in stream (distinct train and test digits).
            Defaults to 0.
        num_stand_in (int): Number of stand-in digits. Defaults to 5000.
        allow_stand_in (bool): Fall back to the stand-in when the file is
            missing; otherwise raise. Defaults to True.

    Returns:
        DigitBank: The digits and their origin.

    Raises:
        FileNotFoundError: If the file is missing and the stand-in is not
            allowed.
        ValueError: If the file exists but is not a valid IDX image file.
    """
    path = resolve_path(data_root, digit_file)
    if path is not None:
        images = _resize(read_idx_images(path), digit_size)
        return DigitBank(images, path, is_stand_in=False)
    wanted = (digit_file if os.path.isabs(digit_file) else os.path.join(
        data_root, digit_file))
    if not allow_stand_in:
        raise FileNotFoundError(
            f'No digit file at {wanted}. Fetch MNIST with: {PREPARE_COMMAND}')
    warn_once(
        f'MovingMNIST: no digit file at {wanted}, using procedural '
        'STAND-IN digits (pen strokes with random distortions). Results '
        'on the stand-in are NOT comparable with published Moving MNIST '
        f'numbers. Fetch the real data with: {PREPARE_COMMAND}',
        key='stand-in')
    images = make_stand_in_digits(num_stand_in, seed, digit_size, stream)
    return DigitBank(images, 'stand-in', is_stand_in=True)

"""Refuse NaN / Inf values where data are read, naming file and position.

A NaN in the data otherwise surfaces much later as a NaN loss (blamed on the
learning rate) or an all-NaN forecast. Integer arrays cannot hold NaN and
are not scanned; float arrays are checked with one ``np.isfinite`` pass over
what was read anyway.
"""
from typing import Optional, Sequence, Tuple

import numpy as np

FRAME_AXES = ('frame', 'channel', 'row', 'column')


def first_nonfinite(array: np.ndarray) -> Optional[Tuple[int, ...]]:
    """Index of the first NaN or Inf of ``array``; None when every value is
    finite (always for integer arrays)."""
    array = np.asarray(array)
    if not np.issubdtype(array.dtype, np.inexact):
        return None
    finite = np.isfinite(array)
    if finite.all():
        return None
    return tuple(int(i) for i in np.argwhere(~finite)[0])


def check_finite(array: np.ndarray, what: str,
                 axes: Sequence[str] = FRAME_AXES, offset: int = 0,
                 step: int = 1,
                 fix: str = 'replace or drop them (e.g. np.nan_to_num) and '
                 'save the file again') -> None:
    """Raise ``ValueError`` naming ``what`` and the position of the first
    non-finite value of ``array``.

    Args:
        array (np.ndarray): The values read, e.g. frames ``(T, C, H, W)``.
        what (str): The file (and clip) they come from.
        axes (Sequence[str]): Names of the axes of ``array``.
        offset (int): Index of ``array[0]`` along the first axis in the
            file (the first frame read). Defaults to 0.
        step (int): File positions between rows of ``array`` (the frame
            stride). Defaults to 1.
        fix (str): What to do, for the message.
    """
    pos = first_nonfinite(array)
    if pos is None:
        return
    value = np.asarray(array)[pos]
    where = [offset + pos[0] * step] + list(pos[1:])
    at = ', '.join(f'{a} {i}' for a, i in zip(axes, where))
    raise ValueError(f'{what} holds {value} at {at} (NaN and Inf cannot be '
                     f'learned from or forecast); {fix}.')

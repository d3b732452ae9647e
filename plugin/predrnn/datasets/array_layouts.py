"""Array layouts of users' sequences (docs/en/your_own_data.md) as lazy views.

Every layout becomes a ``(N, T, C, H, W)`` view of the same memory (a
transpose or an added axis, never a copy), so a memory-mapped file is only
read where a window is taken.

======  ====  ===================================================
layout  rank  meaning
======  ====  ===================================================
NTCHW   5     N clips of T frames, channels first (OpenSTL, PyTorch)
NTHWC   5     N clips, channels last (TensorFlow-era code)
TNHW    4     time first, one channel (``mnist_test_seq.npy``)
TCHW    4     one long series, channels first (radar, climate)
THWC    4     one long series, channels last
THW     3     one long single-channel series
======  ====  ===================================================
"""
from typing import Optional, Tuple

import numpy as np

LAYOUTS = {
    'NTCHW': 5,
    'NTHWC': 5,
    'TNHW': 4,
    'TCHW': 4,
    'THWC': 4,
    'THW': 3,
}


def check_layout(layout: str, shape: tuple, name: str) -> str:
    """Upper-case ``layout`` after checking it against the array's rank;
    the error names the file, its shape and the layouts that would fit."""
    if not isinstance(layout, str) or layout.upper() not in LAYOUTS:
        raise ValueError(f'Unknown layout {layout!r} for {name}; use one of '
                         f'{", ".join(LAYOUTS)}.')
    layout = layout.upper()
    if LAYOUTS[layout] != len(shape):
        fits = [k for k, v in LAYOUTS.items() if v == len(shape)]
        raise ValueError(
            f'layout {layout!r} needs a {LAYOUTS[layout]}-D array but {name} '
            f'holds shape {tuple(shape)} ({len(shape)}-D); layouts for '
            f'{len(shape)}-D arrays: {", ".join(fits) or "none"}.')
    return layout


def as_ntchw(array: np.ndarray, layout: str) -> np.ndarray:
    """A ``(N, T, C, H, W)`` view of ``array`` stored in ``layout``."""
    layout = check_layout(layout, array.shape, 'the array')
    if layout == 'NTCHW':
        return array
    if layout == 'NTHWC':
        return array.transpose(0, 1, 4, 2, 3)
    if layout == 'TNHW':
        return array.transpose(1, 0, 2, 3)[:, :, None]
    if layout == 'TCHW':
        return array[None]
    if layout == 'THWC':
        return array.transpose(0, 3, 1, 2)[None]
    return array[None, :, None]  # THW


def ntchw_shape(layout: str, shape: tuple) -> Tuple[int, ...]:
    """``(N, T, C, H, W)`` that ``shape`` stored in ``layout`` reads as."""
    dummy = np.broadcast_to(np.empty((), np.uint8), tuple(shape))
    return as_ntchw(dummy, layout).shape


def describe(layout: str, shape: tuple) -> str:
    """What ``shape`` means in ``layout``, e.g. ``'3 sequence(s) of 20
    frames, 1 channel(s) of 16x16'``."""
    n, t, c, h, w = ntchw_shape(layout, shape)
    return (f'{n} sequence(s) of {t} frames, {c} channel(s) of {h}x{w}')


def _frame_kind(layout: str, shape: tuple) -> str:
    """``'implausible'``: more than 4 channels of frames at most 4 pixels
    wide or high, the usual sign of a channels-last array read
    channels-first (or the reverse); ``'image'``: at most 4 channels of
    frames larger than that; else ``'other'``."""
    _, _, c, h, w = ntchw_shape(layout, shape)
    if c > 4 and min(h, w) <= 4:
        return 'implausible'
    return 'image' if c <= 4 and min(h, w) > 4 else 'other'


def check_plausible(layout: str, shape: tuple, name: str,
                    num_frames: Optional[int] = None) -> None:
    """Refuse a layout that reads ``shape`` implausibly when another layout
    of the same rank reads it plausibly; the error says what the shape
    means under each.

    Two readings are refused: more than 4 channels of frames at most 4
    pixels wide or high (``THWC`` data declared ``TCHW``), and ``TNHW``
    whose clip axis is exactly the window of ``num_frames`` while the time
    axis is longer (clips-first ``(clips, frames, H, W)`` data: the windows
    would cross clip boundaries).
    """
    others = [k for k, v in LAYOUTS.items() if v == len(shape) and k != layout]
    meanings = '; '.join(f'{k}: {describe(k, shape)}' for k in others)
    if _frame_kind(layout, shape) == 'implausible':
        fits = [k for k in others if _frame_kind(k, shape) == 'image']
        if fits:
            raise ValueError(
                f'{name}: layout {layout!r} reads shape {tuple(shape)} as '
                f'{describe(layout, shape)}, an implausible frame; other '
                f'layouts read it as {meanings}. Set layout={fits[0]!r} '
                '(or the one that matches how the array was saved).')
    if layout == 'TNHW' and num_frames and shape[1] == num_frames \
            and shape[0] > shape[1]:
        raise ValueError(
            f'{name}: layout \'TNHW\' reads shape {tuple(shape)} as '
            f'{describe(layout, shape)}, but its second axis is exactly one '
            f'window ({num_frames} frames): it looks clips-first (clips, '
            'frames, H, W), whose windows would cross clip boundaries. Save '
            'it as NTCHW and set layout=\'NTCHW\': np.save(NEW_PATH, '
            'array[:, :, None]) if it is clips-first, or np.save(NEW_PATH, '
            'array.transpose(1, 0, 2, 3)[:, :, None]) if it really is '
            'time-first.')

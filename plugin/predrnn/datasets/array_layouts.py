"""Array layouts of users' sequences (SPEC section 11) as lazy views.

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

"""Train / val / test splits of sequences and the windows inside them.

Windows never straddle two splits (no leakage between splits):

* ``split_by='sequence'``: whole sequences go to one split, in order
  (sequence ``i`` of ``N`` to the split whose cumulative ratio first
  exceeds ``i / N``).
* ``split_by='time'``: every sequence's timeline is cut into consecutive
  ranges by the ratios, with ``gap`` frames dropped at each boundary
  (default: one window, so no val input frame is adjacent to training
  targets); a window lies wholly inside one range.
* ``split_by=None``: every split sees the whole source (separate files per
  split).
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np

SPLITS = ('train', 'val', 'test')
Range = Tuple[int, int, int]  # (sequence, first frame, end frame)


def _bounds(n: int, ratios: Sequence[float]) -> List[int]:
    cum = np.cumsum(ratios) / float(sum(ratios))
    return [0] + [int(round(c * n)) for c in cum]


def split_ranges(lengths: Sequence[int], split: str,
                 split_by: Optional[str],
                 ratios: Sequence[float] = (0.8, 0.1, 0.1),
                 gap: int = 0) -> List[Range]:
    """Frame ranges of ``split`` (``'train'``, ``'val'``, ``'test'`` or
    ``'all'``) in sequences of the given lengths (frames)."""
    if split_by not in (None, 'sequence', 'time'):
        raise ValueError(f"split_by must be 'sequence', 'time' or None, got "
                         f'{split_by!r}')
    if split not in SPLITS + ('all', ):
        raise ValueError(f"split must be one of {SPLITS + ('all', )}, got "
                         f'{split!r}')
    if len(ratios) != 3 or min(ratios) < 0 or sum(ratios) <= 0:
        raise ValueError(f'split_ratios must be 3 non-negative numbers '
                         f'(train, val, test), got {ratios!r}')
    if gap < 0:
        raise ValueError(f'split_gap must be >= 0 frames, got {gap}: a '
                         'negative gap would start a split inside the one '
                         'before it (leakage).')
    if split_by is None or split == 'all':
        return [(i, 0, n) for i, n in enumerate(lengths)]
    k = SPLITS.index(split)
    if split_by == 'sequence':
        b = _bounds(len(lengths), ratios)
        return [(i, 0, lengths[i]) for i in range(b[k], b[k + 1])]
    ranges = []
    for i, n in enumerate(lengths):
        b = _bounds(n, ratios)
        start = b[k] + (gap if k > 0 and b[k] > 0 else 0)
        if b[k + 1] > start:
            ranges.append((i, start, b[k + 1]))
    return ranges


def window_starts(ranges: Sequence[Range], window: int,
                  stride: int) -> np.ndarray:
    """``(num_windows, 2)`` int64 rows ``(sequence, first frame)`` of the
    windows of ``window`` frames, every ``stride`` frames, inside
    ``ranges``."""
    rows = [np.stack([np.full(len(starts), seq), starts], axis=1)
            for seq, a, b in ranges
            for starts in [np.arange(a, b - window + 1, stride)]]
    return np.concatenate(rows + [np.zeros((0, 2))]).astype(np.int64)

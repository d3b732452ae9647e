"""Statistics of users' data for the normalisation contract of
:mod:`predrnn.utils.normalization` (declared forms, the resolved dict and
its checks live there, shared with the data preprocessor)."""
from typing import Dict

import numpy as np

from predrnn.utils.normalization import (KINDS, check_declaration, expand,
                                         resolve)

__all__ = ['KINDS', 'check_declaration', 'resolve', 'expand', 'RunningStats']


class RunningStats:
    """Per-channel min, max, mean and standard deviation accumulated over
    chunks ``(..., C, H, W)`` in float64 (Chan et al.'s parallel update, so
    a long series is never held in memory at once)."""

    def __init__(self) -> None:
        self.count = 0
        self.mean = self.m2 = self.min = self.max = None

    def update(self, chunk: np.ndarray) -> None:
        """Add frames ``(..., C, H, W)``."""
        channels = chunk.shape[-3]
        x = np.moveaxis(np.asarray(chunk, np.float64), -3, 0).reshape(
            channels, -1)
        n = x.shape[1]
        if n == 0:
            return
        mean, lo, hi = x.mean(1), x.min(1), x.max(1)
        m2 = ((x - mean[:, None])**2).sum(1)
        if self.count == 0:
            self.count, self.mean, self.m2 = n, mean, m2
            self.min, self.max = lo, hi
            return
        total = self.count + n
        delta = mean - self.mean
        self.mean = self.mean + delta * n / total
        self.m2 = self.m2 + m2 + delta**2 * self.count * n / total
        self.min, self.max = np.minimum(self.min, lo), np.maximum(self.max, hi)
        self.count = total

    def result(self, per_channel: bool = True) -> Dict[str, list]:
        """``min``, ``max``, ``mean``, ``std`` (population), one per channel
        or pooled to one value with ``per_channel=False``."""
        if self.count == 0:
            raise ValueError('no training frames to compute statistics on')
        mean, m2 = self.mean, self.m2
        lo, hi = self.min, self.max
        if not per_channel:
            total = self.count * len(mean)
            pooled = mean.mean()
            m2 = np.array([m2.sum() + (self.count * (mean - pooled)**2).sum()])
            mean = np.array([pooled])
            lo, hi = np.array([lo.min()]), np.array([hi.max()])
            std = np.sqrt(m2 / total)
        else:
            std = np.sqrt(m2 / self.count)
        return dict(min=lo.tolist(), max=hi.tolist(), mean=mean.tolist(),
                    std=std.tolist())

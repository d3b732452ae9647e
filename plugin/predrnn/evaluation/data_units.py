"""The data's own units, as a dataset declares them in its ``metainfo``.

A dataset of users' sequences trains the model on normalised values and
declares, under ``metainfo['normalization']`` (which mmengine hands to a
metric as ``dataset_meta``), how to go back::

    dict(kind='range' | 'minmax' | 'meanstd',
         scale=[C floats], offset=[C floats],  # data = norm * scale + offset
         units='dBZ' or None,
         data_range=[lo, hi] or None)          # in data units

Moving MNIST declares nothing, and the metric then keeps its historical
behaviour and keys.
"""
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

import numpy as np
import torch

#: The normalisation kinds a dataset may declare.
KINDS = ('range', 'minmax', 'meanstd')


def _as_floats(value: Any, name: str) -> np.ndarray:
    """A number or a list of numbers as a 1-D float64 array."""
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"normalization['{name}'] must be a finite number "
                         f'or a list of one per channel, got {value!r}')
    return arr


@dataclass(frozen=True)
class DataUnits:
    """Per-channel affine map from normalised values to data units.

    Attributes:
        kind (str): ``'range'``, ``'minmax'`` or ``'meanstd'``.
        scale (np.ndarray): Shape (C,) or (1,), positive.
        offset (np.ndarray): Shape (C,) or (1,).
        units (str, optional): Name of the unit, for messages only.
        data_range (tuple[float, float], optional): Lowest and highest
            possible value in data units; None when the data has no bounds
            (e.g. mean-std fields declared without one).
    """

    kind: str
    scale: np.ndarray
    offset: np.ndarray
    units: Optional[str] = None
    data_range: Optional[Tuple[float, float]] = None

    @classmethod
    def from_meta(cls, meta: Optional[Mapping[str, Any]]
                  ) -> Optional['DataUnits']:
        """Parse ``meta['normalization']``; None when it is absent.

        Raises:
            ValueError: On an unknown kind, a non-positive scale, channel
                lists of different lengths or a data range with lo >= hi.
        """
        if not meta or meta.get('normalization') is None:
            return None
        norm = meta['normalization']
        if not isinstance(norm, Mapping):
            raise ValueError('dataset_meta["normalization"] must be a dict '
                             f'with kind, scale and offset, got {norm!r}')
        kind = norm.get('kind')
        if kind not in KINDS:
            raise ValueError(f'normalization kind must be one of {KINDS}, '
                             f'got {kind!r}')
        if 'scale' not in norm or 'offset' not in norm:
            raise ValueError('normalization must give "scale" and "offset" '
                             '(data = normalised * scale + offset), got keys '
                             f'{sorted(norm)}')
        scale = _as_floats(norm['scale'], 'scale')
        offset = _as_floats(norm['offset'], 'offset')
        if np.any(scale <= 0):
            raise ValueError('normalization scale must be positive per '
                             f'channel, got {scale.tolist()}')
        if scale.size != offset.size and 1 not in (scale.size, offset.size):
            raise ValueError(
                f'normalization scale ({scale.size} values) and offset '
                f'({offset.size} values) must have one value per channel')
        data_range = norm.get('data_range')
        if data_range is not None:
            lo_hi = _as_floats(data_range, 'data_range')
            if lo_hi.size != 2 or not lo_hi[0] < lo_hi[1]:
                raise ValueError('normalization data_range must be [lo, hi] '
                                 f'with lo < hi, got {data_range!r}')
            data_range = (float(lo_hi[0]), float(lo_hi[1]))
        units = norm.get('units')
        return cls(kind, scale, offset,
                   None if units is None else str(units), data_range)

    def to_units(self, frames: Any) -> Any:
        """Map normalised frames ``(..., C, H, W)`` to data units.

        A numpy array gives a float64 array; a tensor gives a tensor on its
        device in its floating dtype (float64 when the metric calls it).

        Raises:
            ValueError: If the clip's channel count does not match the
                declared per-channel scale or offset.
        """
        channels = frames.shape[-3]
        for name, values in (('scale', self.scale), ('offset', self.offset)):
            if values.size not in (1, channels):
                raise ValueError(
                    f'normalization {name} has {values.size} values but the '
                    f'clips have {channels} channels; declare one per channel')
        scale, offset = self.scale, self.offset
        if isinstance(frames, torch.Tensor):
            scale, offset = (torch.as_tensor(v, dtype=frames.dtype,
                                             device=frames.device)
                             for v in (scale, offset))
        shape = (-1, 1, 1)
        return frames * scale.reshape(shape) + offset.reshape(shape)

    def reference_range(self, gt_units: np.ndarray
                        ) -> Tuple[float, float, bool]:
        """Range ``(lo, hi)`` used as the peak of PSNR and SSIM, in data units.

        With a declared ``data_range`` this is it, and predictions are
        clipped to it (as they are clipped to [0, 1] without units). Without
        one, a ``'range'`` or ``'minmax'`` normalisation maps [0, 1] to
        ``[offset, offset + scale]``, so the range is that (the widest over
        channels), again with clipping. Mean-std data of unknown bounds has
        no natural peak: the ground-truth clip's own range is used, as
        torchmetrics does for ``data_range=None``, and predictions are not
        clipped; a clip whose range is below one training standard deviation
        (the largest channel ``scale``), e.g. an empty radar scene, uses that
        standard deviation instead, so the peak never collapses to zero.

        Args:
            gt_units (np.ndarray): Ground-truth future frames in data units,
                shape (T, C, H, W).

        Returns:
            tuple: ``(lo, hi, clip)``; ``clip`` tells whether predictions are
            clipped to ``[lo, hi]``.
        """
        gt = torch.as_tensor(np.asarray(gt_units, dtype=np.float64))
        lo, hi, clip = self.reference_ranges(gt[None])
        return float(lo), float(hi), clip

    def reference_ranges(self, gt_units: torch.Tensor
                         ) -> Tuple[Any, Any, bool]:
        """:meth:`reference_range` of every clip of a batch, on its device.

        Args:
            gt_units (torch.Tensor): Ground-truth future frames in data
                units, shape (B, T, C, H, W).

        Returns:
            tuple: ``(lo, hi, clip)``: floats when the range is the same for
            every clip, else float64 tensors of shape (B, 1) (one per clip,
            broadcastable over its frames).
        """
        if self.data_range is not None:
            return self.data_range[0], self.data_range[1], True
        if self.kind in ('range', 'minmax'):
            return (float(self.offset.min()),
                    float((self.offset + self.scale).max()), True)
        flat = gt_units.reshape(gt_units.shape[0], -1)
        lo = flat.amin(1, keepdim=True)
        hi = flat.amax(1, keepdim=True)
        floor = float(self.scale.max())
        hi = torch.where(hi - lo < floor, lo + floor, hi)
        return lo, hi, False

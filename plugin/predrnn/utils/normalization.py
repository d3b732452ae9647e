"""Normalisation of users' data: what the config declares, what the model
sees, and how to get back to the data's own units.

The resolved form is the contract shared by the dataset (its ``metainfo``,
given to metrics as ``dataset_meta``), the data preprocessor and
``tools/predict.py``::

    dict(kind='range' | 'minmax' | 'meanstd',
         scale=[C floats], offset=[C floats],
         units=str | None, data_range=[lo, hi] | None)

with ``data_units = normalised * scale + offset`` per channel. A list of one
value applies to every channel.

Declared forms (config):

* ``dict(kind='range', data_range=[0, 255])``: fixed range mapped to [0, 1]
  (``[0, 70]`` for radar dBZ). Values outside it are refused.
* ``dict(kind='minmax')``: per-channel min/max of the training split mapped
  to [0, 1]; later data may leave that range (the model extrapolates;
  the data preprocessor warns once).
* ``dict(kind='meanstd')``: per-channel mean 0, standard deviation 1 on the
  training split.

``per_channel=False`` pools the statistics over channels. ``units`` names
the data's unit for logs and metric names (e.g. ``'dBZ'``).
"""
import math
from typing import Dict, Optional, Sequence

import numpy as np

KINDS = ('range', 'minmax', 'meanstd')


def _floats(values, name: str) -> list:
    if np.isscalar(values):
        values = [values]
    out = [float(v) for v in values]
    if not out or not all(math.isfinite(v) for v in out):
        raise ValueError(f'normalization {name} must be finite numbers, got '
                         f'{values!r}')
    return out


def check_declaration(cfg: dict) -> dict:
    """Validate a declared normalisation (see module docstring) and return
    a copy; raises ``ValueError`` naming the bad key and the fix."""
    if not isinstance(cfg, dict):
        raise TypeError(f'normalization must be a dict, got {cfg!r}')
    cfg = dict(cfg)
    kind = cfg.get('kind')
    if kind not in KINDS:
        raise ValueError(f'normalization kind must be one of {KINDS}, got '
                         f'{kind!r}; e.g. dict(kind="range", '
                         f'data_range=[0, 255])')
    known = {'kind', 'data_range', 'units', 'per_channel', 'scale', 'offset'}
    unknown = sorted(set(cfg) - known)
    if unknown:
        raise ValueError(f'unknown normalization keys {unknown}; known: '
                         f'{sorted(known)}')
    if kind == 'range':
        if cfg.get('data_range') is None:
            raise ValueError('normalization kind "range" needs data_range='
                             '[lo, hi] in data units, e.g. [0, 255] or '
                             '[0, 70] for dBZ')
        lo, hi = _floats(cfg['data_range'], 'data_range')
        if not hi > lo:
            raise ValueError(f'normalization data_range must have hi > lo, '
                             f'got {cfg["data_range"]}')
    return cfg


def resolve(cfg: dict, stats: Optional[Dict[str, np.ndarray]] = None
            ) -> dict:
    """The contract dict of a declaration.

    Args:
        cfg (dict): Declared normalisation; an already resolved dict (with
            ``scale`` and ``offset``) is validated and returned as is.
        stats (dict, optional): ``min``, ``max``, ``mean``, ``std`` arrays of
            shape ``(C,)`` from the training split
            (:class:`~predrnn.datasets.normalization.RunningStats`);
            needed for ``minmax`` and ``meanstd``.
    """
    cfg = check_declaration(cfg)
    units = cfg.get('units')
    if cfg.get('scale') is not None and cfg.get('offset') is not None:
        scale = _floats(cfg['scale'], 'scale')
        offset = _floats(cfg['offset'], 'offset')
        if len(scale) != len(offset) or min(abs(s) for s in scale) == 0:
            raise ValueError(f'normalization scale {scale} and offset '
                             f'{offset} must have the same length and no '
                             'zero scale')
        data_range = cfg.get('data_range')
        return dict(kind=cfg['kind'], scale=scale, offset=offset, units=units,
                    data_range=None if data_range is None else
                    _floats(data_range, 'data_range'))
    if cfg['kind'] == 'range':
        lo, hi = _floats(cfg['data_range'], 'data_range')
        return dict(kind='range', scale=[hi - lo], offset=[lo], units=units,
                    data_range=[lo, hi])
    if stats is None:
        raise ValueError(f'normalization kind {cfg["kind"]!r} needs '
                         'statistics of the training split')
    if cfg['kind'] == 'minmax':
        lo, hi = np.asarray(stats['min'], float), np.asarray(stats['max'],
                                                             float)
        # A constant channel keeps scale 1 rather than dividing by zero.
        scale = np.where(hi > lo, hi - lo, 1.0)
        offset = lo
        data_range = [float(lo.min()), float(hi.max())]
    else:
        offset = np.asarray(stats['mean'], float)
        std = np.asarray(stats['std'], float)
        scale = np.where(std > 0, std, 1.0)
        data_range = [float(np.min(stats['min'])),
                      float(np.max(stats['max']))]
    return dict(kind=cfg['kind'], scale=[float(v) for v in scale],
                offset=[float(v) for v in offset], units=units,
                data_range=data_range)


def expand(values: Sequence[float], channels: int, name: str) -> list:
    """Broadcast a one-value list to ``channels``; refuse other lengths."""
    values = list(values)
    if len(values) == 1:
        return values * channels
    if len(values) != channels:
        raise ValueError(
            f'normalization {name} has {len(values)} channels but the data '
            f'has {channels}; recompute the statistics for this data or '
            'give one value per channel')
    return values

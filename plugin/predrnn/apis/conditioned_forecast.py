""""What if" forecasts of conditioned models (actions, side information).

A conditioned model (a :class:`~predrnn.models.PredRNNv2` on an
``ActionPredRNNNet`` backbone, e.g. ``ActionCondPredRNNv2``) reads one
condition vector per frame of the rolled-out window: the ``in_frames``
observed frames and the ``future`` ones. ``conditions[t]`` acts between
window frames ``t`` and ``t + 1``, so rows ``in_frames - 1 ..`` steer the
forecast; giving other future rows gives another future.
"""
import os

import numpy as np

from predrnn.datasets.finite_check import check_finite


def is_conditioned(model) -> bool:
    """Whether ``model`` needs per-frame conditions (its backbone reads
    ``condition_channels > 0`` numbers per frame)."""
    return model.condition_channels > 0


def load_condition_file(path: str, num_clips: int) -> np.ndarray:
    """Read ``--conditions FILE.npy``: ``(T, A)`` for every clip or ``(N,
    T, A)`` one per clip (in the order the clips are read). Returns float32
    ``(N, T, A)``."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'Conditions file {path} does not exist.')
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as err:
        raise ValueError(f'Cannot read {path} as a .npy array ({err}).') \
            from None
    if not hasattr(array, 'ndim') or array.ndim not in (2, 3) or \
            not np.issubdtype(array.dtype, np.number):
        raise ValueError(
            f'{path} must be a numeric .npy of shape (T, A) (the same '
            f'conditions for every clip) or (N, T, A) (one per clip).')
    check_finite(array, path, ('clip', 'frame', 'condition')[3 - array.ndim:],
                 fix='give finite conditions')
    if array.ndim == 2:
        array = np.broadcast_to(array, (num_clips, *array.shape))
    elif len(array) != num_clips:
        raise ValueError(f'{path} holds conditions for {len(array)} clips '
                         f'but the input has {num_clips}.')
    return np.ascontiguousarray(array, dtype=np.float32)

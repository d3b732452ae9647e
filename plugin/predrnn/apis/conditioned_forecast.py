""""What if" forecasts of conditioned models (actions, side information).

A conditioned model (:class:`~predrnn.models.ActionCondPredRNNv2`) reads one
condition vector per frame of the rolled-out window: the ``in_frames``
observed frames and the ``future`` ones. ``conditions[t]`` acts between
window frames ``t`` and ``t + 1``, so rows ``in_frames - 1 ..`` steer the
forecast; giving other future rows gives another future.
"""
import os
from typing import Optional

import numpy as np
import torch

from predrnn.datasets.finite_check import check_finite


def is_conditioned(model) -> bool:
    """Whether ``model`` needs per-frame conditions."""
    return getattr(model, 'condition_channels', None) is not None


def run_core(model, clip: torch.Tensor, mask: torch.Tensor,
             conditions: Optional[torch.Tensor] = None) -> torch.Tensor:
    """The model's recurrent core on a patched ``(B, T, C', H', W')`` clip,
    with the conditions when the model takes them.

    Args:
        conditions (torch.Tensor, optional): ``(B, T, A)`` or ``(T, A)``
            (the same for every clip); ``T - 1`` rows also work (the last
            is never read).

    Returns:
        torch.Tensor: Patched predictions ``(B, T-1, C', H', W')``.
    """
    if not is_conditioned(model):
        if conditions is not None:
            raise ValueError(f'{type(model).__name__} is not conditioned: '
                             f'drop the conditions (--conditions).')
        return model.net(clip, mask)[0]
    total = clip.shape[1]
    if conditions is None:
        raise ValueError(
            f'{type(model).__name__} is conditioned on '
            f'{model.condition_channels} numbers per frame: give the '
            f'conditions of the {total} frames of the window (observed and '
            f'future), e.g. tools/predict.py ... --conditions FILE.npy '
            f'with shape ({total}, {model.condition_channels}).')
    conditions = torch.as_tensor(conditions).to(clip.device, torch.float32)
    if conditions.dim() == 2:
        conditions = conditions.expand(clip.shape[0], -1, -1)
    if conditions.dim() != 3 or conditions.shape[1] not in (total,
                                                            total - 1):
        future = total - model.in_frames
        raise ValueError(
            f'conditions have shape {tuple(conditions.shape)}; this forecast '
            f'needs ({total}, {model.condition_channels}) or (clips, {total}, '
            f'{model.condition_channels}): one row per frame of the window, '
            f'in_frames = {model.in_frames} observed then {future} '
            f'future.')
    return model.net(clip, conditions, mask)[0]


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

"""Error on the values that change: where the truth differs from the last
observed frame by more than a threshold.

On footage with a static background and small moving objects, a forecast
that draws only the background scores well on whole-frame MSE; the error
over the changing values tells whether the moving objects are forecast at
all. Copy-last-frame is scored on the same values, so the two are directly
comparable. All tensors are in data units (the threshold too).
"""
from typing import Dict

import torch

__all__ = ['changing_pixel_errors', 'changing_pixel_means']


def changing_pixel_errors(pred: torch.Tensor, truth: torch.Tensor,
                          last_observed: torch.Tensor,
                          threshold: float) -> Dict[str, torch.Tensor]:
    """Per-step sums of errors over the changing values of a batch.

    A value (one channel of one pixel of one forecast frame) changes when
    ``|truth - last_observed| > threshold``. The sums and counts add up
    over batches; :func:`changing_pixel_means` divides them.

    Args:
        pred (Tensor): Forecast ``(B, T, C, H, W)``.
        truth (Tensor): True future frames ``(B, T, C, H, W)``.
        last_observed (Tensor): Last observed frame ``(B, C, H, W)``.
        threshold (float): Change threshold, data units, >= 0.

    Returns:
        dict[str, Tensor]: float64 tensors ``(T,)``: ``count`` (changing
        values), ``sse`` and ``sae`` (model's summed squared and absolute
        error over them), ``copy_last_sse`` and ``copy_last_sae``.
    """
    if pred.shape != truth.shape or pred.dim() != 5:
        raise ValueError('pred and truth must both be (B, T, C, H, W), got '
                         f'{tuple(pred.shape)} and {tuple(truth.shape)}')
    if last_observed.shape != truth.shape[:1] + truth.shape[2:]:
        raise ValueError(
            f'last_observed must be (B, C, H, W) = '
            f'{tuple(truth.shape[:1] + truth.shape[2:])}, got '
            f'{tuple(last_observed.shape)}')
    if not threshold >= 0:
        raise ValueError(f'threshold must be >= 0 data units, got '
                         f'{threshold!r}')
    truth = truth.double()
    last = last_observed.double().unsqueeze(1).expand_as(truth)
    mask = ((truth - last).abs() > threshold).double()
    model_err = pred.double() - truth
    copy_err = last - truth
    dims = (0, 2, 3, 4)
    return dict(
        count=mask.sum(dims),
        sse=(model_err.square() * mask).sum(dims),
        sae=(model_err.abs() * mask).sum(dims),
        copy_last_sse=(copy_err.square() * mask).sum(dims),
        copy_last_sae=(copy_err.abs() * mask).sum(dims))


def changing_pixel_means(sums: Dict[str, torch.Tensor]
                         ) -> Dict[str, torch.Tensor]:
    """Per-step MSE and MAE per changing value, model and copy-last.

    Args:
        sums (dict): As returned by :func:`changing_pixel_errors` (summed
            over batches).

    Returns:
        dict[str, Tensor]: ``mse``, ``mae``, ``copy_last_mse``,
        ``copy_last_mae`` ``(T,)``; NaN at steps without a changing value.
    """
    count = sums['count']
    safe = count.clamp(min=1)
    out = {}
    for key in ('sse', 'sae', 'copy_last_sse', 'copy_last_sae'):
        mean = sums[key] / safe
        out[key[:-3] + ('mse' if key.endswith('sse') else 'mae')] = (
            torch.where(count > 0, mean, torch.full_like(mean, float('nan'))))
    return out

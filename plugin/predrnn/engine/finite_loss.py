"""Stop training on a NaN or Inf loss before the bad update is applied.

In mmengine the parameters are updated inside ``model.train_step`` (by
``optim_wrapper.update_params(loss)``), before any ``after_train_iter`` hook
runs, so a check that keeps the weights (and the next checkpoint) clean must
sit in front of ``update_params``. The project has one such guard:
``PredRNN.parse_losses`` calls :func:`check_finite_losses`. ``parse_losses``
is called by ``BaseModel.train_step`` and by mmengine's DDP wrapper alike,
with any optim wrapper, and it names the offending loss terms.

The error is a :class:`FloatingPointError`; it propagates out of
``Runner.train()``, so no hook of that iteration runs and ``CheckpointHook``
writes nothing for it. The message names the last checkpoint
``FiniteBestCheckpointHook`` saved after checking its weights finite (a
finite loss can still give a non-finite update; that hook refuses to save
such weights).
"""
import math
from typing import Any, Mapping, Optional

import torch
from mmengine.logging import MessageHub

__all__ = ['check_finite_losses']


def _is_finite(value: Any) -> bool:
    """Whether a loss value (tensor, number or numpy scalar) is finite."""
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value.detach()).all())
    if isinstance(value, (list, tuple)):
        return all(_is_finite(v) for v in value)
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return True  # not a number (e.g. a string): nothing to check


def _format(value: Any) -> str:
    """Short text of a loss value for the error message."""
    if isinstance(value, torch.Tensor):
        value = value.detach()
        return str(value.item()) if value.numel() == 1 else (
            f'tensor of shape {tuple(value.shape)} with non-finite values')
    return str(value)


def _last_good_checkpoint() -> str:
    """Which checkpoint to resume, as far as this run knows."""
    from .finite_weights import LAST_FINITE_CHECKPOINT
    hub = MessageHub.get_current_instance()
    last = hub.get_info(LAST_FINITE_CHECKPOINT)
    if last:
        return (f'The last checkpoint saved with finite weights is {last} '
                '(checked before it was written).')
    return ('This run saved no checkpoint checked finite (the default '
            "runtime's FiniteBestCheckpointHook checks each before writing "
            'it).')


def check_finite_losses(log_vars: Mapping[str, Any],
                        iteration: Optional[int] = None) -> None:
    """Raise if any loss is NaN or infinite.

    Args:
        log_vars (Mapping[str, Any]): Loss name to value (tensor, number or
            numpy scalar), e.g. the ``log_vars`` of ``parse_losses``.
        iteration (int, optional): The 0-based global training iteration,
            i.e. ``runner.iter`` or ``MessageHub 'iter'`` while the iteration
            runs. ``None`` reads it from the current message hub.
            Defaults to None.

    Raises:
        FloatingPointError: Naming the iteration the way mmengine's logs and
            checkpoints do (1-based: the iteration that would be saved as
            ``iter_<n>.pth``) and every non-finite loss with its value.
    """
    bad = {
        name: value
        for name, value in log_vars.items() if not _is_finite(value)
    }
    if not bad:
        return
    if iteration is None:
        iteration = MessageHub.get_current_instance().get_info('iter')
    if iteration is None:
        where = 'at an unknown training iteration'
    else:
        where = (f'at training iteration {iteration + 1} (runner.iter == '
                 f'{iteration}; the log line "Iter(train) [{iteration + 1}/'
                 f'...]", the checkpoint iter_{iteration + 1}.pth)')
    losses = ', '.join(f'{name}={_format(value)}'
                       for name, value in bad.items())
    stopped = ("Training stopped before this iteration's parameter update "
               'and before any checkpoint of it was written. '
               + _last_good_checkpoint())
    raise FloatingPointError(
        f'Non-finite loss {where}: {losses}. {stopped} Try a lower learning '
        'rate, gradient clipping (optim_wrapper.clip_grad) or float32 '
        'instead of mixed precision.')

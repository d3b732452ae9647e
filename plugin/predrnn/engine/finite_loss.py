"""Stop training on a NaN or Inf loss before the bad update is applied.

In mmengine the parameters are updated inside ``model.train_step`` (by
``optim_wrapper.update_params(loss)``), before any ``after_train_iter`` hook
runs. A check that must keep the weights (and the next checkpoint) clean
therefore sits in front of ``update_params``:

* :func:`check_finite_losses` checks named losses; call it in the model's
  ``train_step`` on ``log_vars`` (between ``parse_losses`` and
  ``update_params``) to name the offending terms;
* :class:`FiniteLossCheckMixin` makes an optim wrapper check the total loss
  it is given in ``update_params``, before ``backward`` and ``step``; every
  optim wrapper of this package uses it, so the guard holds for any model.

The error is a :class:`FloatingPointError`; it propagates out of
``Runner.train()``, so no hook of that iteration runs and ``CheckpointHook``
writes nothing for it: the last checkpoint on disk is the last good one.
"""
import math
from typing import Any, Mapping, Optional

import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper

from predrnn.registry import OPTIM_WRAPPERS

__all__ = [
    'check_finite_losses', 'FiniteLossCheckMixin', 'FiniteLossOptimWrapper'
]


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


def check_finite_losses(log_vars: Mapping[str, Any],
                        iteration: Optional[int] = None,
                        *,
                        update_applied: bool = False) -> None:
    """Raise if any loss is NaN or infinite.

    Args:
        log_vars (Mapping[str, Any]): Loss name to value (tensor, number or
            numpy scalar), e.g. the ``log_vars`` of ``parse_losses``.
        iteration (int, optional): The 0-based global training iteration,
            i.e. ``runner.iter`` or ``MessageHub 'iter'`` while the iteration
            runs. ``None`` reads it from the current message hub.
            Defaults to None.
        update_applied (bool): Whether the parameters were already updated
            with this loss (checks after ``update_params``, as in
            :class:`NonFiniteLossHook`); only changes the message.
            Defaults to False.

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
    if update_applied:
        stopped = ('Training stopped before any checkpoint of this iteration '
                   'was written (the weights in memory were already updated '
                   'with it), so the last saved checkpoint is the last good '
                   'one.')
    else:
        stopped = ("Training stopped before this iteration's parameter "
                   'update and before any checkpoint of it was written, so '
                   'the last saved checkpoint is the last good one.')
    raise FloatingPointError(
        f'Non-finite loss {where}: {losses}. {stopped} Try a lower learning '
        'rate, gradient clipping (optim_wrapper.clip_grad) or float32 '
        'instead of mixed precision.')


class FiniteLossCheckMixin:
    """Optim wrapper mixin: check the loss in ``update_params``.

    Put it before the optim wrapper class in the bases; it adds the keyword
    ``check_finite`` (default ``True``). The total loss is checked before
    ``backward``, so a NaN never reaches the gradients, the optimizer state or
    the parameters.

    Args:
        check_finite (bool): Whether to check. Defaults to True.
        **kwargs: Passed to the optim wrapper.
    """

    def __init__(self,
                 *args: Any,
                 check_finite: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_finite = check_finite

    def update_params(self, loss: torch.Tensor, *args: Any,
                      **kwargs: Any) -> None:
        """Check ``loss`` then update as the optim wrapper does.

        Args:
            loss (torch.Tensor): The total loss of the iteration.
            *args: Passed to the optim wrapper's ``update_params``.
            **kwargs: Passed to the optim wrapper's ``update_params``.

        Raises:
            FloatingPointError: If ``loss`` is NaN or infinite.
        """
        if self.check_finite:
            check_finite_losses({'loss (total)': loss})
        super().update_params(loss, *args, **kwargs)  # type: ignore[misc]


@OPTIM_WRAPPERS.register_module()
class FiniteLossOptimWrapper(FiniteLossCheckMixin, OptimWrapper):
    """mmengine's ``OptimWrapper`` that refuses a NaN/Inf loss.

    Use it in place of ``OptimWrapper`` for float32 training::

        optim_wrapper = dict(
            type='FiniteLossOptimWrapper',
            optimizer=dict(type='Adam', lr=1e-4))

    Args:
        check_finite (bool): Whether to check the loss. Defaults to True.
        **kwargs: Passed to :class:`mmengine.optim.OptimWrapper`
            (``optimizer``, ``accumulative_counts``, ``clip_grad``).
    """

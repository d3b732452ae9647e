"""Warn once when a finite loss explodes (NaN and Inf stop training in
``PredRNN.parse_losses``; a loss of 1e20 is finite and would not)."""
import logging
import math
from typing import Any, List, Optional

from mmengine.hooks import Hook

from predrnn.registry import HOOKS

__all__ = ['LossDivergenceHook']


@HOOKS.register_module()
class LossDivergenceHook(Hook):
    """Log one clear warning, naming the iteration, when the total loss
    diverges.

    The loss counts as diverged when it exceeds ``max_loss``, or
    ``max_ratio`` times the mean loss of the first ``reference_iters``
    iterations this process trained (after a resume: the first ones after
    it). The defaults suit this project's losses (mean squared errors of
    frames in [0, 1], about 0.01 to 1 at the start): no run that still
    learns grows its loss 10,000-fold or past 1e6. Training goes on (the
    run may recover, and stopping is the user's choice); the warning is
    given once per run.

    Config::

        default_hooks = dict(loss_divergence=dict(type='LossDivergenceHook'))

    Args:
        max_ratio (float): Allowed growth over the reference loss.
            Defaults to 1e4.
        max_loss (float): Absolute limit. Defaults to 1e6.
        reference_iters (int): Iterations averaged into the reference.
            Defaults to 10.
    """

    priority = 'NORMAL'

    def __init__(self,
                 max_ratio: float = 1e4,
                 max_loss: float = 1e6,
                 reference_iters: int = 10) -> None:
        if max_ratio <= 1 or max_loss <= 0 or reference_iters < 1:
            raise ValueError('LossDivergenceHook needs max_ratio > 1, '
                             'max_loss > 0 and reference_iters >= 1, got '
                             f'{max_ratio}, {max_loss}, {reference_iters}.')
        self.max_ratio = max_ratio
        self.max_loss = max_loss
        self.reference_iters = reference_iters
        self._first: List[float] = []
        self._warned = False

    def after_train_iter(self,
                         runner: Any,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        """Compare the iteration's total loss ``outputs['loss']``."""
        if self._warned or not outputs or 'loss' not in outputs:
            return
        loss = outputs['loss']
        loss = float(loss.detach() if hasattr(loss, 'detach') else loss)
        if not math.isfinite(loss):
            return  # not ours: parse_losses stops on those
        count = len(self._first)
        reference = sum(self._first) / count if count else None
        if count < self.reference_iters:
            self._first.append(loss)
        reason = None
        if loss > self.max_loss:
            reason = f'above the limit max_loss={self.max_loss:g}'
        elif (reference is not None and reference > 0
              and loss > self.max_ratio * reference):
            reason = (f'{loss / reference:.3g} times the mean loss of the '
                      f'first {count} iteration(s) of this '
                      f'run ({reference:.4g}; max_ratio={self.max_ratio:g})')
        if reason is None:
            return
        self._warned = True
        runner.logger.log(
            logging.WARNING,
            f'The training loss diverges: at iteration {runner.iter + 1} it '
            f'is {loss:.4g}, {reason}. Training continues, but its weights '
            'are likely ruined: lower the learning rate or add gradient '
            'clipping (optim_wrapper.clip_grad=dict(max_norm=...)), and '
            'start again from a checkpoint saved before this iteration. '
            'This warning is given once per run.')

"""A safety-net hook that stops training on a NaN or Inf loss."""
from typing import Any, Optional

from mmengine.hooks import Hook

from predrnn.registry import HOOKS
from .finite_loss import check_finite_losses

__all__ = ['NonFiniteLossHook']


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise ``FloatingPointError`` when a logged loss is NaN or Inf.

    The hook sees the ``log_vars`` that ``train_step`` returns, so it names
    every non-finite loss term, but it runs after the iteration's update
    (mmengine updates inside ``model.train_step``). Its ``VERY_HIGH``
    priority runs it before ``EMAHook`` (``NORMAL``), the loggers and
    ``CheckpointHook`` (``VERY_LOW``): the bad weights reach neither the EMA
    copy nor a checkpoint. To keep the weights in memory clean as well, use
    an optim wrapper of this package (they check the total loss before the
    update) or call :func:`check_finite_losses` in the model's ``train_step``.

    Config::

        custom_hooks = [dict(type='NonFiniteLossHook')]
    """

    priority = 'VERY_HIGH'

    def after_train_iter(self,
                         runner: Any,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        """Check the iteration's ``log_vars``.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the loop.
            data_batch (Any): The batch. Defaults to None.
            outputs (dict, optional): ``log_vars`` returned by
                ``train_step``. Defaults to None.

        Raises:
            FloatingPointError: If a loss is NaN or infinite.
        """
        if outputs:
            losses = {
                key: value
                for key, value in outputs.items() if 'loss' in key
            }
            check_finite_losses(losses, runner.iter, update_applied=True)

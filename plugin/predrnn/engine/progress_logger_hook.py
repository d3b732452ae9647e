"""mmengine's ``LoggerHook``, plus a log line for each of the first
iterations of a run: a long job shows its time per iteration and ETA within
its first iterations instead of after ``interval`` of them (100 iterations
of the paper model on a CPU are over an hour of silence)."""
from typing import Optional

from mmengine.hooks import LoggerHook

from predrnn.registry import HOOKS

__all__ = ['ProgressLoggerHook']


@HOOKS.register_module()
class ProgressLoggerHook(LoggerHook):
    """``LoggerHook`` that also logs each of the first ``first_iters``
    training iterations of this process (after a resume: the first ones
    after it), formatted by the runner's ``LogProcessor`` like every other
    line (loss, time per iteration, ETA, memory).

    Config::

        default_hooks = dict(logger=dict(type='ProgressLoggerHook',
                                         interval=100, first_iters=10))

    Args:
        first_iters (int): Iterations logged one by one at the start.
            Defaults to 10.
        **kwargs: ``LoggerHook``'s arguments (``interval``, ...).
    """

    def __init__(self, first_iters: int = 10, **kwargs) -> None:
        super().__init__(**kwargs)
        if first_iters < 0:
            raise ValueError(f'first_iters must be >= 0, got {first_iters}')
        self.first_iters = first_iters
        self._iters_done = 0

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        self._iters_done += 1
        if (self._iters_done <= self.first_iters
                and not self.every_n_inner_iters(batch_idx, self.interval)):
            tag, log_str = runner.log_processor.get_log_after_iter(
                runner, batch_idx, 'train')
            runner.logger.info(log_str)
            runner.visualizer.add_scalars(
                tag, step=runner.iter + 1, file_path=self.json_log_path)
            return
        super().after_train_iter(runner, batch_idx, data_batch, outputs)

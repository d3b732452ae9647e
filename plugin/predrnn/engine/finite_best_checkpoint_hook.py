"""mmengine's ``CheckpointHook`` that never saves a non-finite validation
result as the best checkpoint."""
import logging
import math
from typing import Any, Dict, Optional

from mmengine.hooks import CheckpointHook

from predrnn.registry import HOOKS

__all__ = ['FiniteBestCheckpointHook']


def _is_finite_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return True  # not a scalar: left to mmengine


@HOOKS.register_module()
class FiniteBestCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose ``save_best`` skips NaN and infinite scores.

    mmengine compares scores with ``<`` / ``>``: NaN never wins, but an
    infinite score wins under its rule (``+inf`` with ``rule='greater'``,
    ``-inf`` with ``'less'``) and then nothing can ever beat it. Here a
    non-finite key indicator is handed to mmengine as ``None`` (which it
    skips) and a warning names the metric and the iteration; the other
    metrics and the periodic checkpoints are unchanged.

    Args:
        **kwargs: As :class:`mmengine.hooks.CheckpointHook`.
    """

    def after_val_epoch(self, runner: Any,
                        metrics: Optional[Dict[str, Any]] = None) -> None:
        """Drop non-finite key indicators, then save the best as mmengine.

        Args:
            runner (Runner): The runner.
            metrics (dict, optional): Validation results.
        """
        if metrics and self.save_best:
            indicators = [list(metrics)[0] if key == 'auto' else key
                          for key in self.key_indicators]
            bad = [key for key in indicators
                   if key in metrics and not _is_finite_number(metrics[key])]
            if bad:
                runner.logger.log(
                    logging.WARNING,
                    'Validation at iteration '
                    f'{runner.iter} gave non-finite '
                    + ', '.join(f'{k}={metrics[k]}' for k in bad)
                    + ': not a candidate for the best checkpoint.')
                metrics = {k: (None if k in bad else v)
                           for k, v in metrics.items()}
        super().after_val_epoch(runner, metrics)

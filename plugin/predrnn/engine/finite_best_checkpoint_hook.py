"""mmengine's ``CheckpointHook`` that never saves non-finite weights, never
saves a non-finite validation result as the best checkpoint, and keeps the
best score across a crash."""
import fnmatch
import logging
import math
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple

from mmengine.hooks import CheckpointHook

from predrnn.registry import HOOKS

from .checkpoint_errors import checkpoints_in
from .finite_weights import LAST_FINITE_CHECKPOINT, nonfinite_tensors
from .safe_checkpoint import load_checkpoint_safely

__all__ = ['FiniteBestCheckpointHook']

_SHOWN = 5


def _is_finite_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return True  # not a scalar: left to mmengine


@HOOKS.register_module()
class FiniteBestCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that refuses non-finite weights and scores.

    * Weights: before any checkpoint is written, the model's (and, when
      saved, the optimizer's) tensors are checked; NaN or Inf stop training
      with a :class:`FloatingPointError` naming the tensors and the last
      checkpoint this check passed (kept in the message hub as
      ``'last_finite_checkpoint'``). A finite loss can still give a
      non-finite update (an exploding learning rate); such weights never
      reach a file.
    * Best score: mmengine compares scores with ``<`` / ``>``: NaN never
      wins, but an infinite score wins under its rule and then nothing can
      beat it. A non-finite key indicator is handed to mmengine as ``None``
      (which it skips) with a warning.
    * After a resume: mmengine keeps the best score in the message hub of
      the periodic checkpoint, re-saved after each new best; a crash in that
      re-save leaves a checkpoint that does not know the best. The score is
      then read from the ``best_*.pth`` files themselves (their message hub
      holds it), so a worse result is never saved as the best.

    Args:
        **kwargs: As :class:`mmengine.hooks.CheckpointHook`.
    """

    def before_train(self, runner: Any) -> None:
        """Set up as mmengine, then recover best scores the resumed
        checkpoint lacks from the best checkpoints on disk."""
        super().before_train(runner)
        if self.save_best is None or not getattr(runner, '_resume', False):
            return
        single = len(self.key_indicators) == 1
        for key in self.key_indicators:
            score_key = 'best_score' if single else f'best_score_{key}'
            path_key = 'best_ckpt' if single else f'best_ckpt_{key}'
            self._recover_best(runner, key, score_key, path_key)

    def _recover_best(self, runner: Any, key: str, score_key: str,
                      path_key: str) -> None:
        hub = runner.message_hub
        known = hub.runtime_info.get(score_key)
        found = self._best_on_disk(key, score_key)
        if not found:
            return
        rule = self._rule_of(key)
        if rule is None:  # 'auto' before the first validation: the newest
            pick = found[-1]
        else:
            pick = (min if rule == 'less' else max)(found, key=lambda f: f[1])
        if known is not None and (rule is None or not self._better(
                rule, pick[1], known)):
            return
        path, score = pick
        hub.update_info(score_key, score)
        hub.update_info(path_key, path)
        if len(self.key_indicators) == 1:
            self.best_ckpt_path = path
        else:
            self.best_ckpt_path_dict[key] = path
        others = [osp.basename(p) for p, _ in found if p != path]
        knew = 'no' if known is None else f'an older ({known:.6g})'
        runner.logger.warning(
            f'The resumed checkpoint knows {knew} best {key} score (it was '
            f'saved before {osp.basename(path)}): the best score {score:.6g}'
            f' is read from {path}, which stays the best checkpoint until a '
            'better result'
            + (f'; also found: {", ".join(others)}' if others else '') + '.')

    def _best_on_disk(self, key: str,
                      score_key: str) -> List[Tuple[str, float]]:
        """``(path, stored best score)`` of the readable best checkpoints
        of ``key`` in the output folder."""
        name = '*' if key == 'auto' else key.replace('/', '_')
        found = []
        for path in checkpoints_in(self.out_dir):
            if not fnmatch.fnmatch(osp.basename(path), f'best_{name}_*.pth'):
                continue
            try:
                checkpoint = load_checkpoint_safely(path)
            except Exception:  # noqa: BLE001 - unreadable: not a candidate
                continue
            info = ((checkpoint.get('message_hub') or {}).get('runtime_info')
                    or {})
            score = info.get(score_key, info.get('best_score'))
            if _is_finite_number(score) and score is not None:
                found.append((path, float(score)))
        return found

    def _rule_of(self, key: str) -> Optional[str]:
        rules = getattr(self, 'rules', None) or []
        index = self.key_indicators.index(key)
        rule = rules[index] if index < len(rules) else None
        return rule if rule in ('less', 'greater') else None

    @staticmethod
    def _better(rule: str, a: float, b: float) -> bool:
        return a < b if rule == 'less' else a > b

    # ------------------------------------------------------------------ #
    def _check_weights(self, runner: Any, filename: str,
                       with_optimizer: bool, record: bool = True) -> None:
        """Raise before ``filename`` is written if a tensor is not
        finite; else (``record``) name it the last finite checkpoint (the
        checkpoint's own message hub then holds its name)."""
        model = runner.model
        model = getattr(model, 'module', model)
        bad = nonfinite_tensors(model.state_dict(), 'state_dict')
        if with_optimizer:
            bad += nonfinite_tensors(runner.optim_wrapper.state_dict(),
                                     'optimizer')
        if not bad:
            if record:
                runner.message_hub.update_info(
                    LAST_FINITE_CHECKPOINT, osp.join(self.out_dir, filename))
            return
        names = ', '.join(f'{name} ({nan} NaN, {inf} Inf)'
                          for name, nan, inf in bad[:_SHOWN])
        if len(bad) > _SHOWN:
            names += f' and {len(bad) - _SHOWN} more'
        last = runner.message_hub.get_info(LAST_FINITE_CHECKPOINT)
        where = (f'The last checkpoint saved with finite weights is {last}'
                 if last else 'No checkpoint of this run was saved before')
        raise FloatingPointError(
            f'Refused to save {filename} at training iteration '
            f'{runner.iter + 1}: {len(bad)} tensor(s) hold NaN or Inf: '
            f'{names}. An update diverged although its loss was finite. '
            f'{where}; resume from it (--resume PATH) with a lower learning '
            'rate or gradient clipping (optim_wrapper.clip_grad).')

    def _save_checkpoint_with_step(self, runner: Any, step: int,
                                   meta: dict) -> None:
        """Check the weights, then save as mmengine (which removes the
        oldest kept checkpoint only then)."""
        self._check_weights(runner, self.filename_tmpl.format(step),
                            self.save_optimizer)
        super()._save_checkpoint_with_step(runner, step, meta)

    def _save_best_checkpoint(self, runner: Any, metrics: dict) -> None:
        """Check the weights before mmengine removes the previous best."""
        if self.save_best and any(v is not None for v in metrics.values()):
            step = runner.epoch if self.by_epoch else runner.iter
            name = self.key_indicators[0].replace('/', '_')
            self._check_weights(
                runner, f'best_{name}_{self.filename_tmpl.format(step)}',
                with_optimizer=False, record=False)
        super()._save_best_checkpoint(runner, metrics)

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

"""Check the checkpoint a Runner is about to load, before it loads it."""
import os.path as osp
from typing import Any, Optional, Tuple

from mmengine.hooks import Hook
from mmengine.runner import find_latest_checkpoint

from predrnn.registry import HOOKS

from .checkpoint_errors import checkpoints_in
from .safe_checkpoint import load_checkpoint_safely

__all__ = ['CheckpointCheckHook']

_CHECKED_SCHEMES = ('http://', 'https://', 'file://')


@HOOKS.register_module()
class CheckpointCheckHook(Hook):
    """Read ``load_from`` / the checkpoint to resume with
    :func:`~predrnn.engine.load_checkpoint_safely` in ``before_run``.

    mmengine calls ``before_run`` just before ``load_or_resume`` (train, val
    and test), so a directory, a text file, a truncated or malicious file or
    weights with NaN/Inf stop the run with the plugin's message before
    mmengine's own loader (left as it is) reads the file. The file is read
    twice; that costs a fraction of a second against a run.

    The file is found as mmengine finds it: ``resume`` without ``load_from``
    means the latest checkpoint of the work dir, the one mmengine's
    ``last_checkpoint`` pointer names (nothing when there is none: mmengine
    then starts afresh; a pointer to no file is an error that lists the
    checkpoints there). Schemes other than local paths and
    ``http(s)://`` / ``file://`` URLs (``open-mmlab://``, ``s3://`` ...) are
    left to mmengine.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner: Any) -> None:
        """Load and check the checkpoint the run will read, if any.

        Args:
            runner (Runner): The runner.
        """
        path, from_pointer = self.checkpoint_to_load(runner)
        if path is None or ('://' in path
                            and not path.startswith(_CHECKED_SCHEMES)):
            return
        if from_pointer and not osp.isfile(path):
            found = ', '.join(checkpoints_in(runner.work_dir)) or 'none'
            raise FileNotFoundError(
                f'{osp.join(runner.work_dir, "last_checkpoint")} names '
                f'{path!r}, which is not a checkpoint file (deleted, moved, '
                'or the pointer was cut short by a failed write). '
                f'Checkpoints in the work dir: {found}. Resume from one of '
                'them with --resume PATH.')
        load_checkpoint_safely(path)

    @staticmethod
    def checkpoint_to_load(runner: Any) -> Tuple[Optional[str], bool]:
        """``(path, found through last_checkpoint)`` as
        ``Runner.load_or_resume`` decides them.

        The Runner keeps ``load_from`` and ``resume`` in private attributes
        (no public accessor in mmengine 0.10); the config's values are the
        fallback.
        """
        if getattr(runner, '_has_loaded', False):
            return None, False
        load_from = getattr(runner, '_load_from', runner.cfg.get('load_from'))
        resume = bool(getattr(runner, '_resume', runner.cfg.get('resume')))
        if resume and load_from is None:
            return find_latest_checkpoint(runner.work_dir), True
        return load_from, False

"""Random numbers of a training iteration as a function of (seed, iteration).

The curricula draw their ground-truth masks from the global torch generator
(SPEC 5). mmengine seeds the generators once, when the Runner starts, and
does not store their state in checkpoints, so a resumed run draws other
masks than the uninterrupted run would have from the same iteration on.
Storing the state would not be enough either: every validation creates a
DataLoader iterator, which takes a draw from the global generator between
the checkpoint and the next training iteration.

:class:`IterationSeedHook` re-seeds Python's ``random``, numpy's global
generator and torch (CPU and CUDA) before every training iteration from
``(runner.seed, runner.iter)``. Together with the datasets (clip = function
of ``(seed, epoch, index)``) and the iteration-keyed curricula, a run
resumed from a checkpoint then repeats exactly what the uninterrupted run
computes, whatever validation or logging happened in between.
"""
import random
from typing import Any, Optional

import numpy as np
import torch
from mmengine.hooks import Hook

from predrnn.registry import HOOKS

__all__ = ['IterationSeedHook', 'iteration_seed']


def iteration_seed(seed: int, iteration: int) -> int:
    """A 64-bit seed for ``iteration`` of a run seeded with ``seed``.

    Args:
        seed (int): The run's seed (``runner.seed``, rank offset included
            with ``diff_rank_seed``).
        iteration (int): The 0-based global training iteration.

    Returns:
        int: A seed in ``[0, 2**64)``, well mixed (numpy's ``SeedSequence``).
    """
    words = np.random.SeedSequence(
        [int(seed) & 0xFFFFFFFFFFFFFFFF, int(iteration)]).generate_state(
            2, np.uint32)
    return (int(words[0]) << 32) | int(words[1])


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Seed ``random``, numpy and torch before every training iteration
    from ``(runner.seed, runner.iter)``.

    ``runner.iter`` is the global iteration (restored on resume), so the
    random numbers of iteration ``i`` (curriculum masks, dropout) are the
    same in a fresh and in a resumed run. With the default
    ``randomness.diff_rank_seed=False`` all ranks draw the same numbers, as
    they do under mmengine's one-off seeding. The cost is a few microseconds
    per iteration.

    Config (``configs/_base_/default_runtime.py`` has it)::

        default_hooks = dict(iteration_seed=dict(type='IterationSeedHook'))
    """

    def before_train_iter(self,
                          runner: Any,
                          batch_idx: int,
                          data_batch: Optional[Any] = None) -> None:
        """Seed the generators for this iteration.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (Any, optional): The batch. Defaults to None.
        """
        seed = iteration_seed(runner.seed, runner.iter)
        random.seed(seed)
        np.random.seed(seed >> 32)  # numpy's legacy seeds are 32-bit
        torch.manual_seed(seed)  # also every CUDA device

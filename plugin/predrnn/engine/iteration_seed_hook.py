"""Random numbers of a training iteration as a function of (seed, iteration).

mmengine seeds the generators once, when the Runner starts, and does not
store their state in checkpoints, so a resumed run would draw other numbers
than the uninterrupted run from the same iteration on. Storing the state
would not be enough either: every validation creates a DataLoader iterator,
which takes a draw from the global generator between the checkpoint and the
next training iteration.

:class:`IterationSeedHook` therefore

* publishes the run's seed, the same on every rank (rank 0's, broadcast
  once), as the MessageHub runtime info ``'curriculum_seed'``: the models
  draw each clip's curriculum mask from ``(seed, iteration, position of the
  clip in the global batch)`` (:mod:`predrnn.models.curricula.clip_keys`),
  so N processes of batch B draw the masks that 1 process of batch N*B
  draws;
* re-seeds Python's ``random``, numpy's global generator and torch (CPU and
  CUDA) before every training iteration from ``(seed, iteration, rank)``:
  any other random draw of a training step differs across ranks, as it
  would across the clips of one big batch.

Together with the datasets (clip = function of ``(seed, epoch, index)``)
and the iteration-keyed curricula, a run resumed from a checkpoint repeats
exactly what the uninterrupted run computes, whatever validation or logging
happened in between.
"""
import random
from typing import Any, Optional

import numpy as np
import torch
from mmengine.dist import broadcast_object_list, get_rank
from mmengine.hooks import Hook
from mmengine.logging import MessageHub

from predrnn.models.curricula.clip_keys import CURRICULUM_SEED_KEY
from predrnn.registry import HOOKS

__all__ = ['IterationSeedHook', 'iteration_seed', 'CURRICULUM_SEED_KEY']


def iteration_seed(seed: int, iteration: int, rank: int = 0) -> int:
    """A 64-bit seed for ``iteration`` of a run seeded with ``seed``.

    Args:
        seed (int): The run's seed.
        iteration (int): The 0-based global training iteration.
        rank (int): The process's rank. Rank 0 gets the seed of the
            single-process run (numpy's ``SeedSequence`` ignores trailing
            zero words). Defaults to 0.

    Returns:
        int: A seed in ``[0, 2**64)``, well mixed (numpy's ``SeedSequence``).
    """
    words = np.random.SeedSequence(
        [int(seed) & 0xFFFFFFFFFFFFFFFF, int(iteration),
         int(rank)]).generate_state(2, np.uint32)
    return (int(words[0]) << 32) | int(words[1])


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Publish the run's seed for the curricula and seed ``random``, numpy
    and torch before every training iteration from ``(seed, runner.iter,
    rank)``.

    ``runner.iter`` is the global iteration (restored on resume), so the
    random numbers of iteration ``i`` (curriculum masks, dropout) are the
    same in a fresh and in a resumed run. The seed is rank 0's
    ``runner.seed`` on every rank (with ``randomness.diff_rank_seed=True``
    mmengine gives each rank another one). The cost is a few microseconds
    per iteration, plus one broadcast when training starts.

    Config (``configs/_base_/default_runtime.py`` has it)::

        default_hooks = dict(iteration_seed=dict(type='IterationSeedHook'))
    """

    def __init__(self) -> None:
        self.seed: Optional[int] = None

    def before_train(self, runner: Any) -> None:
        """Agree on the run's seed and publish it for the curricula."""
        seed = [runner.seed]
        broadcast_object_list(seed, src=0)  # no-op without a process group
        self.seed = int(seed[0])
        MessageHub.get_current_instance().update_info(
            CURRICULUM_SEED_KEY, self.seed, resumed=False)

    def before_train_iter(self,
                          runner: Any,
                          batch_idx: int,
                          data_batch: Optional[Any] = None) -> None:
        """Seed the generators for this iteration.

        Decision: the three generators are seeded here rather than through
        ``mmengine.runner.set_random_seed``, which hands one seed to numpy's
        legacy (32-bit) seeding and to torch alike: torch keeps the full
        64 bits of :func:`iteration_seed`, numpy gets its high 32 bits.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (Any, optional): The batch. Defaults to None.
        """
        run_seed = runner.seed if self.seed is None else self.seed
        seed = iteration_seed(run_seed, runner.iter, get_rank())
        random.seed(seed)
        np.random.seed(seed >> 32)  # numpy's legacy seeds are 32-bit
        torch.manual_seed(seed)  # also every CUDA device

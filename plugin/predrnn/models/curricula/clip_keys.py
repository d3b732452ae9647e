"""One random key per training clip, whatever the batch split.

The curriculum masks of a training iteration must not depend on how its
clips are spread over processes and DataLoader workers: N processes of
batch B should train exactly like 1 process of batch N*B (README,
"Distributed"). So each clip draws its mask from its own key
``(seed, iteration, g)`` instead of from a shared generator, where ``g`` is
the clip's position in the iteration's global batch.

Decision: the position in the global batch, not the clip's dataset index.
It needs nothing from the dataset (any dataset, users' own included, any
collate function) and is exact for mmengine's samplers (``DefaultSampler``,
``InfiniteSampler`` and the plugin's ``EpochIndexSampler`` /
``InfiniteEpochIndexSampler``): they deal one global stream round-robin,
rank ``r`` of ``W`` taking items ``r, r + W, r + 2W, ...``, so clip ``j`` of
rank ``r``'s batch of ``B`` is item ``j * W + r`` of the ``W * B`` items the
iteration consumes, the item that one process of batch ``W * B`` holds at
position ``j * W + r``. DataLoader workers do not reorder batches. A custom
sampler that splits the stream differently keeps the masks random and
resumable, but not identical to a single-process run.
"""
from typing import List, Optional

import numpy as np
from mmengine.dist import get_dist_info

__all__ = ['global_batch_positions', 'clip_seeds', 'CURRICULUM_SEED_KEY']

#: MessageHub runtime-info key of the run's rank-independent seed (set by
#: ``IterationSeedHook``, read by the model's curriculum masks).
CURRICULUM_SEED_KEY = 'curriculum_seed'

# Last word of every key: keeps mask streams apart from other streams keyed
# on three small integers (numpy's SeedSequence treats [a, b, c] and
# [a, b, c, 0] alike, so the tag must not be 0).
_MASK_STREAM = 0x6D61736B  # 'mask'


def global_batch_positions(batch_size: int,
                           rank: Optional[int] = None,
                           world_size: Optional[int] = None) -> List[int]:
    """Positions ``j * W + r`` of this rank's clips in the global batch.

    Args:
        batch_size (int): Clips in this rank's batch ``B``.
        rank (int, optional): ``r``; None: the current process's rank.
        world_size (int, optional): ``W``; None: the current world size.

    Returns:
        list[int]: ``B`` positions in ``[0, W * B)``.
    """
    if rank is None or world_size is None:
        rank, world_size = get_dist_info()
    if not 0 <= rank < world_size:
        raise ValueError(f'Need 0 <= rank < world_size, got rank={rank}, '
                         f'world_size={world_size}.')
    return [j * world_size + rank for j in range(batch_size)]


def clip_seeds(seed: int, iteration: int,
               positions: List[int]) -> List[np.random.SeedSequence]:
    """One independent key per clip of a global training batch.

    Args:
        seed (int): The run's seed, the same on every rank (published by
            :class:`~predrnn.engine.IterationSeedHook`).
        iteration (int): The 0-based global training iteration.
        positions (list[int]): Positions of the clips in the global batch
            (:func:`global_batch_positions`).

    Returns:
        list[np.random.SeedSequence]: Keys ``(seed, iteration, position)``.
    """
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF  # SeedSequence needs >= 0
    return [np.random.SeedSequence(
        [seed, int(iteration), int(pos), _MASK_STREAM]) for pos in positions]

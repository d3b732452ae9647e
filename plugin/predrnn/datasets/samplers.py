"""Samplers that tell an on-the-fly dataset which epoch it is serving.

The sampler runs in the main process, where mmengine keeps the epoch up to
date, and DataLoader workers only receive the indices it yields. So instead
of a hidden counter in the dataset (stale in forked or persistent workers),
these samplers yield ``(epoch, index)`` pairs: a clip is then a pure
function of ``(seed, epoch, index)``, whatever the number of workers, and a
resumed run sees the same stream.

* :class:`EpochIndexSampler` wraps mmengine's ``DefaultSampler``. Its epoch
  is set by ``sampler.set_epoch``, which mmengine calls before every epoch
  (``DistSamplerSeedHook`` in epoch-based training, the restarting iterator
  of ``IterBasedTrainLoop`` otherwise).
* :class:`InfiniteEpochIndexSampler` wraps mmengine's ``InfiniteSampler``
  (iteration-based training), which never gets ``set_epoch``: it numbers the
  passes over the dataset itself, 0, 1, 2, ..., in its deterministic stream.
  mmengine resumes iteration-based training by skipping the iterations
  already done, so the resumed stream is the same.
"""
import itertools
from typing import Iterator, Optional, Sized, Tuple

import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler

from predrnn.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class EpochIndexSampler(DefaultSampler):
    """mmengine's ``DefaultSampler`` yielding ``(epoch, index)`` pairs.

    Arguments and distributed behaviour are those of ``DefaultSampler``,
    except that ``shuffle`` defaults to False (see the module docstring).
    """

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = False,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        super().__init__(dataset, shuffle, seed, round_up)

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        """Iterate ``(epoch, index)`` pairs of this rank."""
        epoch = self.epoch
        return ((epoch, index) for index in super().__iter__())


@DATA_SAMPLERS.register_module()
class InfiniteEpochIndexSampler(InfiniteSampler):
    """mmengine's ``InfiniteSampler`` yielding ``(pass, index)`` pairs.

    The pass number plays the role of the epoch: it counts complete passes
    over the dataset in the sampler's global (all ranks) stream.
    Arguments are those of ``InfiniteSampler``, except that ``shuffle``
    defaults to False (see the module docstring).
    """

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = False,
                 seed: Optional[int] = None) -> None:
        super().__init__(dataset, shuffle, seed)

    def _infinite_indices(self) -> Iterator[Tuple[int, int]]:
        """Infinitely yield ``(pass, index)`` pairs."""
        g = torch.Generator()
        g.manual_seed(self.seed)
        for pass_ in itertools.count():
            if self.shuffle:
                order = torch.randperm(self.size, generator=g).tolist()
            else:
                order = range(self.size)
            yield from ((pass_, index) for index in order)

"""IterationSeedHook: the random numbers of iteration i depend only on
(seed, i). The end-to-end check (resume after SIGKILL equals the
uninterrupted run) is in tests/tools/test_train.py."""
import random
from types import SimpleNamespace

import numpy as np
import torch

from predrnn.engine import IterationSeedHook, iteration_seed


def draws(seed, iteration):
    """What the generators give after the hook ran for ``iteration``."""
    IterationSeedHook().before_train_iter(
        SimpleNamespace(seed=seed, iter=iteration), batch_idx=0)
    return (random.random(), float(np.random.rand()),
            torch.rand(3).tolist())


def test_same_seed_and_iteration_same_numbers():
    expected = draws(42, 5)
    torch.rand(100)  # whatever happened in between
    np.random.rand(7)
    assert draws(42, 5) == expected


def test_iterations_and_seeds_differ():
    values = {str(draws(seed, it)) for seed in (0, 1) for it in (0, 1, 2)}
    assert len(values) == 6
    seeds = {iteration_seed(s, i) for s in range(20) for i in range(20)}
    assert len(seeds) == 400 and all(0 <= v < 2**64 for v in seeds)

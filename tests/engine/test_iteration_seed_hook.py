"""IterationSeedHook: the random numbers of iteration i depend only on
(seed, i, rank), and the curricula get the run's seed from rank 0. The
end-to-end checks (resume after SIGKILL equals the uninterrupted run; 2
processes equal 1 with the whole batch) are in tests/tools."""
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


def test_ranks_draw_different_numbers_rank0_as_single_process(monkeypatch):
    """Per-rank streams from (seed, iteration, rank); rank 0's numbers are
    those of a single-process run."""
    import predrnn.engine.iteration_seed_hook as module
    single = draws(42, 5)
    per_rank = []
    for rank in range(3):
        monkeypatch.setattr(module, 'get_rank', lambda rank=rank: rank)
        per_rank.append(str(draws(42, 5)))
    assert per_rank[0] == str(single)
    assert len(set(per_rank)) == 3
    assert iteration_seed(42, 5, 0) == iteration_seed(42, 5)


def test_publishes_rank_zero_seed_for_the_curricula(monkeypatch):
    """before_train agrees on rank 0's seed (a rank with another seed, as
    under diff_rank_seed=True, takes it) and publishes it; the iterations
    then use it."""
    import predrnn.engine.iteration_seed_hook as module
    from mmengine.logging import MessageHub
    from predrnn.engine.iteration_seed_hook import CURRICULUM_SEED_KEY

    def broadcast_from_rank0(objects, src=0):
        assert src == 0
        objects[0] = 42  # what rank 0 holds

    monkeypatch.setattr(module, 'broadcast_object_list', broadcast_from_rank0)
    hook = IterationSeedHook()
    runner = SimpleNamespace(seed=43, iter=5)  # rank 1 of diff_rank_seed
    hook.before_train(runner)
    hub = MessageHub.get_current_instance()
    assert hub.get_info(CURRICULUM_SEED_KEY) == 42
    hook.before_train_iter(runner, batch_idx=0)
    assert torch.initial_seed() == iteration_seed(42, 5)
    hub.update_info(CURRICULUM_SEED_KEY, None, resumed=False)

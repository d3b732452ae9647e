"""One clear warning, naming the iteration, when a finite loss explodes."""
import logging

import pytest

from predrnn.engine import LossDivergenceHook


class Collect(logging.Handler):

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def run(tmp_path, make_runner, toy_model_cls, factors, max_iters=6,
        **hook_args):
    runner = make_runner(
        str(tmp_path), model=toy_model_cls(factors), max_iters=max_iters,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.0)),
        custom_hooks=[dict(type='LossDivergenceHook', **hook_args)],
        checkpoint_interval=100)
    handler = Collect()
    runner.logger.addHandler(handler)
    try:
        runner.train()
    finally:
        runner.logger.removeHandler(handler)
    return [m for m in handler.messages if 'diverges' in m]


def test_quiet_on_a_normal_run(tmp_path, make_runner, toy_model_cls):
    assert run(tmp_path, make_runner, toy_model_cls, {}) == []


def test_huge_loss_warns_once_naming_the_iteration(tmp_path, make_runner,
                                                   toy_model_cls):
    # 0-based iterations 3 and 4 reach 1e20 (Adam at a wild learning rate)
    warnings = run(tmp_path, make_runner, toy_model_cls, {3: 1e20, 4: 1e20})
    assert len(warnings) == 1
    assert 'at iteration 4 ' in warnings[0]  # 1-based, as the log lines
    assert 'max_loss' in warnings[0] and 'learning rate' in warnings[0]


def test_growth_over_the_first_iterations_warns(tmp_path, make_runner,
                                                toy_model_cls):
    """Below max_loss but 1e5 times the first iterations' loss (lr=0, so
    the reference is the same loss every iteration)."""
    warnings = run(tmp_path, make_runner, toy_model_cls, {4: 1e5},
                   reference_iters=3)
    assert len(warnings) == 1
    assert 'at iteration 5 ' in warnings[0]
    assert 'times the mean loss of the first 3 iteration(s)' in warnings[0]


def test_bad_arguments():
    with pytest.raises(ValueError, match='max_ratio'):
        LossDivergenceHook(max_ratio=0.5)

"""Stopping on NaN/Inf losses before the update and before the checkpoint."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

from predrnn.engine import (FiniteLossOptimWrapper, NonFiniteLossHook,
                            check_finite_losses, load_checkpoint_safely)
from predrnn.registry import HOOKS, OPTIM_WRAPPERS


def test_registered():
    assert HOOKS.get('NonFiniteLossHook') is NonFiniteLossHook
    assert OPTIM_WRAPPERS.get('FiniteLossOptimWrapper') is \
        FiniteLossOptimWrapper


def test_check_finite_losses():
    check_finite_losses(dict(loss=torch.tensor(1.0), loss_b=2.0), 0)
    check_finite_losses(dict(loss_list=[torch.ones(2), torch.zeros(1)]), 0)
    with pytest.raises(FloatingPointError) as info:
        check_finite_losses(
            dict(
                loss_a=torch.tensor(0.5),
                loss_b=torch.tensor(float('nan')),
                loss_c=float('inf'),
                loss_d=np.float32('-inf')), 2)
    message = str(info.value)
    assert 'iteration 3' in message and 'runner.iter == 2' in message
    assert 'iter_3.pth' in message
    assert 'loss_b=nan' in message and 'loss_c=inf' in message
    assert 'loss_d=-inf' in message and 'loss_a' not in message
    assert 'before' in message


def test_iteration_defaults_to_message_hub():
    hub = MessageHub.get_instance('test_finite_loss_hub')
    hub.update_info('iter', 41)
    with pytest.raises(FloatingPointError, match='iteration 42'):
        check_finite_losses(dict(loss=torch.tensor(float('nan'))))


def test_wrapper_refuses_before_backward():
    conv = torch.nn.Conv2d(1, 1, 3)
    wrapper = FiniteLossOptimWrapper(
        optimizer=torch.optim.SGD(conv.parameters(), lr=0.1))
    before = conv.weight.detach().clone()
    loss = conv(torch.randn(1, 1, 4, 4)).sum() * float('nan')
    with pytest.raises(FloatingPointError, match='loss \\(total\\)=nan'):
        wrapper.update_params(loss)
    assert conv.weight.grad is None
    assert torch.equal(conv.weight.detach(), before)


def assert_good_checkpoints_kept(work_dir: str, model: torch.nn.Module,
                                 same_as_memory: bool) -> None:
    """iter_1 and iter_2 are on disk and loadable, iter_3 is not."""
    assert not osp.exists(osp.join(work_dir, 'iter_3.pth'))
    for it in (1, 2):
        ckpt = load_checkpoint_safely(osp.join(work_dir, f'iter_{it}.pth'))
        assert ckpt['meta']['iter'] == it
        assert all(
            torch.isfinite(v).all() for v in ckpt['state_dict'].values())
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_2.pth')
    weight = ckpt['state_dict']['conv.weight']
    # The NaN update was (not) applied to the weights in memory.
    assert torch.equal(weight, model.conv.weight.detach()) == same_as_memory


def test_model_check_names_losses(tmp_path, make_runner, toy_model_cls):
    model = toy_model_cls(nan_at=2, check_in_train_step=True)
    runner = make_runner(str(tmp_path), model=model, max_iters=5)
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    assert 'iteration 3' in str(info.value)
    assert 'loss_b=nan' in str(info.value)
    assert 'loss_a' not in str(info.value)
    assert model.seen_iters == [0, 1, 2]
    assert_good_checkpoints_kept(str(tmp_path), model, same_as_memory=True)


@pytest.mark.parametrize('wrapper',
                         ['FiniteLossOptimWrapper', 'AutocastOptimWrapper'])
def test_optim_wrapper_check(tmp_path, make_runner, toy_model_cls, wrapper):
    model = toy_model_cls(nan_at=2)
    runner = make_runner(
        str(tmp_path),
        model=model,
        max_iters=5,
        optim_wrapper=dict(type=wrapper,
                           optimizer=dict(type='SGD', lr=0.05)))
    with pytest.raises(FloatingPointError, match='iteration 3'):
        runner.train()
    assert_good_checkpoints_kept(str(tmp_path), model, same_as_memory=True)


def test_hook_safety_net(tmp_path, make_runner, toy_model_cls):
    model = toy_model_cls(nan_at=2)
    runner = make_runner(
        str(tmp_path),
        model=model,
        max_iters=5,
        custom_hooks=[dict(type='NonFiniteLossHook')])
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    assert 'iteration 3' in str(info.value)
    assert 'loss_b=nan' in str(info.value)
    assert 'already updated' in str(info.value)
    # The update ran (mmengine updates inside train_step), the save did not.
    assert_good_checkpoints_kept(str(tmp_path), model, same_as_memory=False)

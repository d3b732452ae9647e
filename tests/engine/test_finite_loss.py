"""Stopping on NaN/Inf losses before the update and before the checkpoint
(the one guard: ``PredRNN.parse_losses``)."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.distributed as dist
from mmengine.logging import MessageHub

from predrnn.engine import check_finite_losses, load_checkpoint_safely


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


def assert_good_checkpoints_kept(work_dir: str,
                                 model: torch.nn.Module) -> None:
    """iter_1 and iter_2 are on disk and loadable, iter_3 is not."""
    assert not osp.exists(osp.join(work_dir, 'iter_3.pth'))
    for it in (1, 2):
        ckpt = load_checkpoint_safely(osp.join(work_dir, f'iter_{it}.pth'))
        assert ckpt['meta']['iter'] == it
        assert all(
            torch.isfinite(v).all() for v in ckpt['state_dict'].values())
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_2.pth')
    # The NaN update was not applied to the weights in memory either.
    for key, value in model.state_dict().items():
        assert torch.equal(ckpt['state_dict'][key], value), key


@pytest.mark.parametrize('wrapper', ['OptimWrapper', 'AutocastOptimWrapper'])
def test_parse_losses_stops_before_the_update(tmp_path, make_runner,
                                              tiny_predrnn_cls, clips,
                                              wrapper):
    """The one guard (``PredRNN.parse_losses``) stops a NaN loss before
    ``update_params`` with any optim wrapper: the weights in memory are
    those of the last good checkpoint, and the message names the loss
    term and the iteration."""
    model = tiny_predrnn_cls(factors={2: float('nan')})
    runner = make_runner(
        str(tmp_path), model=model, max_iters=5, dataset=clips,
        optim_wrapper=dict(type=wrapper, optimizer=dict(type='SGD', lr=0.05)))
    with pytest.raises(FloatingPointError) as info:
        runner.train()
    message = str(info.value)
    assert 'iteration 3' in message and 'loss_recon=nan' in message
    assert 'loss_decouple' not in message
    assert model.seen_iters == [0, 1, 2]
    assert_good_checkpoints_kept(str(tmp_path), model)


def test_parse_losses_guard_is_reached_under_ddp(tmp_path, tiny_predrnn_cls,
                                                 clips):
    """mmengine's DDP wrapper runs its own ``train_step`` and calls the
    module's ``parse_losses``: the guard holds there too (one gloo process;
    the call path is that of every rank)."""
    from mmengine.model import MMDistributedDataParallel
    from mmengine.optim import OptimWrapper
    model = tiny_predrnn_cls(factors={0: float('nan')})
    before = {k: v.clone() for k, v in model.state_dict().items()}
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    try:
        ddp = MMDistributedDataParallel(module=model)
        wrapper = OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=0.1))
        MessageHub.get_instance('test_finite_loss_ddp').update_info('iter', 0)
        data = dict(inputs=torch.stack([c['inputs'] for c in clips[:2]]))
        with pytest.raises(FloatingPointError, match='loss_recon=nan'):
            ddp.train_step(data, wrapper)
    finally:
        dist.destroy_process_group()
    assert all(p.grad is None for p in model.parameters())
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key

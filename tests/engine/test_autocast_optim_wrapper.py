"""CPU mixed precision with ``AutocastOptimWrapper``."""
import os.path as osp

import pytest
import torch
import torch.nn as nn

from mmengine.optim import AmpOptimWrapper

from predrnn.engine import (AutocastOptimWrapper, default_autocast_dtype,
                            load_checkpoint_safely)
from predrnn.registry import OPTIM_WRAPPERS


def make_wrapper(model: nn.Module,
                 optimizer: str = 'SGD',
                 **kwargs) -> AutocastOptimWrapper:
    optim = dict(
        SGD=lambda p: torch.optim.SGD(p, lr=0.1),
        Adam=lambda p: torch.optim.Adam(p, lr=0.01))[optimizer]
    return AutocastOptimWrapper(optimizer=optim(model.parameters()), **kwargs)


def test_registered():
    assert OPTIM_WRAPPERS.get('AutocastOptimWrapper') is AutocastOptimWrapper


def test_thin_subclass_of_mmengine_amp_wrapper():
    """Scaling, stepping and the state dict are mmengine's own."""
    assert issubclass(AutocastOptimWrapper, AmpOptimWrapper)
    for name in ('backward', 'step', 'state_dict'):
        assert getattr(AutocastOptimWrapper, name) is getattr(
            AmpOptimWrapper, name), name


def test_defaults_on_cpu():
    wrapper = make_wrapper(nn.Conv2d(1, 2, 3))
    assert wrapper.device_type == 'cpu'
    assert wrapper.cast_dtype == torch.bfloat16
    assert not wrapper.loss_scaler.is_enabled()  # bf16: no loss scaling


@pytest.mark.parametrize('bf16_gpu', [True, False])
def test_dtype_choice(bf16_gpu, monkeypatch):
    """CPU: bf16; CUDA: bf16 where the GPU has it, else fp16 (scaled)."""
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: bf16_gpu)
    resolve = AutocastOptimWrapper._resolve_dtype
    assert resolve(None, 'cpu') == torch.bfloat16
    assert resolve(None, 'cuda') == (
        torch.bfloat16 if bf16_gpu else torch.float16)
    assert default_autocast_dtype('cuda') == resolve(None, 'cuda')
    assert resolve('bfloat16', 'cuda') == torch.bfloat16
    assert resolve(torch.float16, 'cpu') == torch.float16
    with pytest.raises(ValueError, match='dtype'):
        resolve('float32', 'cpu')
    with pytest.raises(ValueError, match='dtype'):
        resolve(torch.float64, 'cuda')


def test_autocast_context_casts_conv_to_bf16():
    conv = nn.Conv2d(1, 2, 3, padding=1)
    wrapper = make_wrapper(conv)
    x = torch.randn(2, 1, 5, 5)
    with wrapper.optim_context(conv):
        assert conv(x).dtype == torch.bfloat16
    assert conv(x).dtype == torch.float32
    assert conv.weight.dtype == torch.float32


def test_step_updates_float32_params():
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 2, 3, padding=1)
    wrapper = make_wrapper(conv)
    x, y = torch.randn(2, 1, 5, 5), torch.randn(2, 2, 5, 5)
    before = conv.weight.detach().clone()
    with wrapper.optim_context(conv):
        out = conv(x)
    loss = ((out.float() - y)**2).mean()
    wrapper.backward(loss)
    grad = conv.weight.grad.detach().clone()
    assert grad.dtype == torch.float32 and grad.abs().sum() > 0
    wrapper.step()
    # Plain SGD on the float32 master weights: w - lr * grad.
    torch.testing.assert_close(conv.weight.detach(), before - 0.1 * grad)
    assert conv.weight.dtype == torch.float32


def test_state_dict_round_trip():
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 2, 3, padding=1)
    wrapper = make_wrapper(conv, 'Adam')
    with wrapper.optim_context(conv):
        loss = conv(torch.randn(2, 1, 5, 5)).float().square().mean()
    wrapper.update_params(loss)
    state = wrapper.state_dict()
    assert state.get('loss_scaler', {}) == {}  # no scaler state with bf16

    other = make_wrapper(nn.Conv2d(1, 2, 3, padding=1), 'Adam')
    other.load_state_dict(state)
    mine, theirs = wrapper.state_dict(), other.state_dict()
    assert mine['param_groups'] == theirs['param_groups']
    for key in ('exp_avg', 'exp_avg_sq', 'step'):
        torch.testing.assert_close(mine['state'][0][key],
                                   theirs['state'][0][key])


def test_float16_uses_a_loss_scaler_and_keeps_its_state():
    conv = nn.Conv2d(1, 2, 3, padding=1)
    wrapper = make_wrapper(conv, dtype='float16', loss_scale=512.)
    assert wrapper.loss_scaler.is_enabled()
    with wrapper.optim_context(conv):
        out = conv(torch.randn(2, 1, 5, 5))
        assert out.dtype == torch.float16
    wrapper.update_params(out.float().square().mean())
    state = wrapper.state_dict()
    assert state['loss_scaler']['scale'] == 512.
    other = make_wrapper(nn.Conv2d(1, 2, 3, padding=1), dtype='float16')
    other.load_state_dict(state)
    assert other.loss_scaler.get_scale() == 512.
    # fp16 <-> bf16 resume: a bf16 wrapper ignores the scaler state, an
    # fp16 one starts its scaler afresh from a bf16 state
    make_wrapper(nn.Conv2d(1, 2, 3,
                           padding=1)).load_state_dict(wrapper.state_dict())
    bf16_state = make_wrapper(nn.Conv2d(1, 2, 3, padding=1)).state_dict()
    fresh = make_wrapper(nn.Conv2d(1, 2, 3, padding=1), dtype='float16')
    fresh.load_state_dict(bf16_state)
    assert fresh.loss_scaler.get_scale() == 2.0**16  # GradScaler's default


def test_runner(tmp_path, make_runner, toy_model_cls):
    model = toy_model_cls()
    optim_wrapper = dict(
        type='AutocastOptimWrapper', optimizer=dict(type='SGD', lr=0.05))
    runner = make_runner(
        str(tmp_path), model=model, max_iters=2, optim_wrapper=optim_wrapper)
    before = model.conv.weight.detach().clone()
    runner.train()
    assert isinstance(runner.optim_wrapper, AutocastOptimWrapper)
    assert runner.optim_wrapper.cast_dtype == torch.bfloat16
    assert model.conv.weight.dtype == torch.float32
    assert not torch.equal(model.conv.weight.detach(), before)
    ckpt = load_checkpoint_safely(osp.join(str(tmp_path), 'iter_2.pth'))
    assert all(v.dtype == torch.float32 for v in ckpt['state_dict'].values())
    # and it resumes
    resumed = make_runner(
        str(tmp_path),
        model=toy_model_cls(),
        max_iters=3,
        optim_wrapper=optim_wrapper,
        resume=True)
    resumed.train()
    assert resumed.iter == 3


@pytest.mark.parametrize('native', [False, True])
def test_warns_on_cpu_without_native_bf16(native, monkeypatch):
    """bf16 is emulated (many times slower) on CPUs without AVX512-BF16 or
    AMX: say so once the wrapper is built, and only then."""
    import predrnn.engine.autocast_optim_wrapper as module
    monkeypatch.setattr(module, 'cpu_has_native_bf16', lambda: native)
    messages = []
    monkeypatch.setattr(module, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    make_wrapper(nn.Conv2d(1, 2, 3))
    assert bool(messages) is not native
    if messages:
        assert 'no native bf16' in messages[0]
    messages.clear()
    make_wrapper(nn.Conv2d(1, 2, 3), dtype='float16')  # not bf16: silent
    assert messages == []

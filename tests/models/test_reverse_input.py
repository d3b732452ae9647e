"""Training on time-reversed clips.

``reverse_input='two_steps'`` (the authors' trainer) must be exactly two
optimizer steps: one on the clips, then one on their time reversals with the
updated weights, under one curriculum mask. The reference here is computed
in the test: the reference rollout (``_spec_reference``, no model code)
differentiated by autograd and plain SGD written out.
"""
import copy

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper

from _spec_reference import ref_patch, ref_rollout
from predrnn.engine.iteration_seed_hook import CURRICULUM_SEED_KEY
from predrnn.registry import MODELS

LAYERS, CH, K, P, C, H, W = 2, 4, 3, 2, 1, 8, 8
T_IN, T_OUT = 3, 2
T = T_IN + T_OUT
B = 3
LR = 0.5
# reverse scheduled sampling in its random phase at ITER (p about 0.6/0.4)
SAMPLING = dict(type='ReverseScheduledSampling', s1=10, s2=30, alpha=5.0)
ITER = 15


def build(reverse_input, v2=False):
    torch.manual_seed(0)
    cfg = dict(type='PredRNNv2' if v2 else 'PredRNN', in_frames=T_IN,
               out_frames=T_OUT, frame_channels=C, num_layers=LAYERS,
               num_hidden=CH, kernel_size=K, sampling=SAMPLING,
               reverse_input=reverse_input,
               data_preprocessor=dict(type='VideoDataPreprocessor',
                                      patch_size=P))
    return MODELS.build(cfg)


def raw_clips(seed=3):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (B, T, C, H, W), generator=gen,
                         dtype=torch.uint8)


@pytest.fixture
def hub_at_iteration():
    """The MessageHub as a Runner leaves it at iteration ITER, with the
    run's seed published by IterationSeedHook."""
    hub = MessageHub.get_current_instance()
    old = hub.get_info('iter', 0), hub.get_info(CURRICULUM_SEED_KEY)
    hub.update_info('iter', ITER)
    hub.update_info(CURRICULUM_SEED_KEY, 1234, resumed=False)
    yield hub
    hub.update_info('iter', old[0])
    hub.update_info(CURRICULUM_SEED_KEY, old[1], resumed=False)


def spy_masks(model, monkeypatch):
    """Record the (clips, mask) of every forward pass of the core."""
    seen = []
    forward = model.net.forward

    def spy(frames, gt_mask, **kwargs):
        seen.append((frames.detach().clone(), gt_mask.detach().clone()))
        return forward(frames, gt_mask, **kwargs)

    monkeypatch.setattr(model.net, 'forward', spy)
    return seen


def test_two_steps_equal_two_explicit_sgd_steps(hub_at_iteration,
                                                monkeypatch):
    model = build('two_steps')
    start = {k: v.detach().double().clone()
             for k, v in model.net.state_dict().items()}
    seen = spy_masks(model, monkeypatch)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=LR))
    raw = raw_clips()
    log_vars = model.train_step(dict(inputs=raw), optim)

    # two forward passes: the clips, then their reversals, one mask
    assert len(seen) == 2
    clips = ref_patch(raw.double() / 255.0, P)
    mask = seen[0][1].double()
    assert torch.equal(seen[1][1], seen[0][1])
    assert torch.allclose(seen[0][0].double(), clips, atol=1e-7)
    assert torch.allclose(seen[1][0].double(), clips.flip(1), atol=1e-7)
    body = mask[:, 1:]
    assert (body == 0).any() and (body == 1).any()  # the mask matters
    assert torch.equal(seen[0][1], model.curriculum_mask(B))

    # the reference: SGD on the reference rollout, the second step from the
    # weights the first one left
    weights = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    losses = []
    for frames in (clips, clips.flip(1)):
        preds = ref_rollout(weights, frames, mask, LAYERS)[0]
        loss = ((preds - frames[:, 1:])**2).mean()
        grads = torch.autograd.grad(loss, list(weights.values()))
        with torch.no_grad():
            for w, g in zip(weights.values(), grads):
                w -= LR * g
        losses.append(loss.item())
    after = model.net.state_dict()
    moved = max((after[k].double() - start[k]).abs().max().item()
                for k in start)
    assert moved > 1e-3  # 50x the tolerance below
    for key, w in weights.items():
        assert torch.allclose(after[key].double(), w.detach(), rtol=0,
                              atol=2e-5), key
    # the authors log the mean of the two costs
    assert float(log_vars['loss']) == pytest.approx(sum(losses) / 2,
                                                    rel=1e-5)
    assert float(log_vars['loss_recon']) == pytest.approx(sum(losses) / 2,
                                                          rel=1e-5)


def test_one_step_is_one_update_on_the_mean(hub_at_iteration, monkeypatch):
    """'one_step': a single SGD step on the mean loss of the clips and their
    reversals, one forward over 2B clips; different weights from
    'two_steps'."""
    one, two = build('one_step'), build('two_steps')
    start = {k: v.detach().double().clone()
             for k, v in one.net.state_dict().items()}
    seen = spy_masks(one, monkeypatch)
    raw = raw_clips()
    for model in (one, two):
        model.train_step(dict(inputs=raw),
                         OptimWrapper(torch.optim.SGD(model.parameters(),
                                                      lr=LR)))
    assert len(seen) == 1 and seen[0][0].shape[0] == 2 * B
    mask = seen[0][1][:B].double()
    assert torch.equal(seen[0][1][B:], seen[0][1][:B])
    clips = ref_patch(raw.double() / 255.0, P)
    weights = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    both = torch.cat([clips, clips.flip(1)])
    preds = ref_rollout(weights, both, mask.repeat(2, 1), LAYERS)[0]
    loss = ((preds - both[:, 1:])**2).mean()
    grads = torch.autograd.grad(loss, list(weights.values()))
    after_one, after_two = one.net.state_dict(), two.net.state_dict()
    for (key, w), g in zip(weights.items(), grads):
        assert torch.allclose(after_one[key].double(), w.detach() - LR * g,
                              rtol=0, atol=2e-5), key
    assert any(not torch.allclose(after_one[k], after_two[k], atol=1e-4)
               for k in after_one)


@pytest.mark.parametrize('mode,steps', [('two_steps', 2), ('one_step', 1),
                                        (False, 1)])
def test_adam_counts_the_optimizer_steps(mode, steps, hub_at_iteration):
    model = build(mode, v2=True)
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    log_vars = model.train_step(dict(inputs=raw_clips()), optim)
    state = optim.optimizer.state_dict()['state']
    assert {float(s['step']) for s in state.values()} == {float(steps)}
    assert {'loss', 'loss_recon', 'loss_decouple'} <= set(log_vars)


def test_reverse_input_options_are_checked(hub_at_iteration):
    for bad in (True, 'two-steps', 2):
        with pytest.raises(ValueError, match="'two_steps'.*'one_step'"):
            build(bad)
    assert build(None).reverse_input is None
    model = build('two_steps')
    assert model.trains_in_two_steps and not build('one_step').\
        trains_in_two_steps
    # a wrapper calling forward(mode='loss') itself would silently train on
    # the clips only: refused, naming the wrapper to use
    patched = ref_patch(raw_clips().float() / 255.0, P)
    with pytest.raises(RuntimeError, match='DeviceAgnosticDistributed'):
        model(patched, mode='loss')
    # with the mask given, it is the plain loss on the clips
    mask = torch.ones(B, T - 1)
    losses = model(patched, mode='loss', gt_mask=mask)
    plain = copy.deepcopy(model)
    plain.reverse_input = None
    assert torch.equal(losses['loss_recon'],
                       plain(patched, mode='loss', gt_mask=mask)
                       ['loss_recon'])

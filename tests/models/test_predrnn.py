"""The mmengine models PredRNN (v1) and PredRNNv2, built through the
registry, against an independent reference rollout (``_spec_reference``)."""
import math

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper

from _spec_reference import (randomise_layer_norms, ref_decouple, ref_patch,
                             ref_rollout, ref_unpatch)
from predrnn.models import (PredRNN, PredRNNv2, ReverseScheduledSampling,
                            ScheduledSampling, TeacherForcing, inference_mask)
from predrnn.registry import MODELS

# 2 layers of 4, kernel 3, patch 2, 2-channel 8x12 frames, T = 3 + 2
LAYERS, CH, K, P, C, H, W = 2, 4, 3, 2, 2, 8, 12
T_IN, T_OUT = 3, 2
T = T_IN + T_OUT
B = 2
BETA = 0.3


def _cfg(v2=True, **kwargs):
    cfg = dict(type='PredRNNv2' if v2 else 'PredRNN', in_frames=T_IN,
               out_frames=T_OUT, frame_channels=C, num_layers=LAYERS,
               num_hidden=CH, kernel_size=K,
               data_preprocessor=dict(type='VideoDataPreprocessor',
                                      patch_size=P))
    if v2:
        cfg['beta'] = BETA
    cfg.update(kwargs)
    return cfg


def _build(v2=True, double=True, seed=0, **kwargs):
    torch.manual_seed(seed)
    model = MODELS.build(_cfg(v2, **kwargs))
    return model.double() if double else model


def _clip(seed=0, b=B, t=T, c=C, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(b, t, c, H, W, generator=gen, dtype=dtype)


def _uint8(seed=0, b=B, t=T, c=C):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (b, t, c, H, W), generator=gen,
                         dtype=torch.uint8)


def _sd(model):
    return {k: v.detach() for k, v in model.net.state_dict().items()}


def _val(t):
    return float(t.detach())


def _ref(model, patched, mask, layer_norm=False):
    return ref_rollout(_sd(model), patched, mask, LAYERS, layer_norm)


def _ref_losses(model, patched, mask):
    preds, deltas, _ = _ref(model, patched, mask)
    diff = preds - patched[:, 1:]
    recon = float((diff * diff).sum()) / diff.numel()
    dec = (ref_decouple(deltas, model.net.adapter.weight.detach())
           if isinstance(model, PredRNNv2) else None)
    return recon, dec


def _inference(b=B):
    mask = torch.ones(b, T - 1, dtype=torch.float64)
    mask[:, T_IN:] = 0
    return mask


@pytest.fixture
def set_iter():
    hub = MessageHub.get_current_instance()
    old = hub.get_info('iter', 0)

    def _set(k):
        hub.update_info('iter', k)

    yield _set
    hub.update_info('iter', old)


# --------------------------------------------------------------------------
# forward modes
# --------------------------------------------------------------------------
@pytest.mark.parametrize('v2', [False, True])
def test_build_types(v2):
    model = _build(v2)
    assert isinstance(model, PredRNNv2 if v2 else PredRNN)
    assert model.net.cell_list[0].conv_x[0].weight.shape == (7 * CH, P * P * C,
                                                             K, K)
    assert hasattr(model.net, 'adapter') == v2


@pytest.mark.parametrize('v2', [False, True])
def test_backbone_form_is_the_flat_form(v2):
    """``backbone=dict(type='PredRNNNet', ...)`` builds the model of the
    flat keys of older configs: the same names, initial weights and
    predictions; a flat key given next to a backbone overrides it."""
    flat = _build(v2)
    cfg = _cfg(v2)
    for key in ('num_layers', 'num_hidden', 'kernel_size'):
        del cfg[key]
    torch.manual_seed(0)
    parts = MODELS.build(dict(cfg, backbone=dict(
        type='PredRNNNet', num_layers=LAYERS, num_hidden=CH,
        kernel_size=K))).double()
    assert parts.state_dict().keys() == flat.state_dict().keys()
    for key, value in flat.state_dict().items():
        assert torch.equal(parts.state_dict()[key], value), key
    patched = ref_patch(_clip(), P)
    with torch.no_grad():
        assert torch.equal(parts(patched), flat(patched))
    wider = MODELS.build(dict(cfg, num_hidden=2 * CH, backbone=dict(
        type='PredRNNNet', num_layers=LAYERS, num_hidden=CH)))
    assert wider.net.num_hidden == [2 * CH] * LAYERS


def test_backbone_keys_the_model_sets_are_refused():
    with pytest.raises(ValueError, match='backbone in_channels=3'):
        MODELS.build(_cfg(True, backbone=dict(type='PredRNNNet',
                                              in_channels=3)))


@pytest.mark.parametrize('v2', [False, True])
def test_tensor_mode_matches_reference_and_is_deterministic(v2):
    model = _build(v2)
    clip = _clip()
    patched = ref_patch(clip, P)
    with torch.no_grad():
        out = model(patched, mode='tensor')
        again = model(patched, mode='tensor')
        observed = model(patched[:, :T_IN].clone(), mode='tensor')
    assert out.shape == (B, T - 1, C, H, W)
    assert torch.equal(out, again)
    exp, _, _ = _ref(model, patched, _inference())
    torch.testing.assert_close(out, ref_unpatch(exp, P), rtol=1e-10,
                               atol=1e-12)
    # only the T_in observed frames: identical predictions
    assert observed.shape == (B, T - 1, C, H, W)
    assert torch.equal(observed[:, T_IN - 1:], out[:, T_IN - 1:])
    torch.testing.assert_close(observed, out, rtol=0, atol=0)


@pytest.mark.parametrize('v2', [False, True])
def test_tensor_mode_ignores_future_frames(v2):
    model = _build(v2)
    clip = _clip(seed=1)
    other = clip.clone()
    other[:, T_IN:] = _clip(seed=2)[:, T_IN:]
    with torch.no_grad():
        a = model(ref_patch(clip, P), mode='tensor')
        b = model(ref_patch(other, P), mode='tensor')
    assert torch.equal(a, b)


@pytest.mark.parametrize('v2', [False, True])
def test_predict_mode(v2):
    model = _build(v2)
    clip = _clip(seed=3)
    patched = ref_patch(clip, P)
    with torch.no_grad():
        results = model(patched, mode='predict')
    assert isinstance(results, list) and len(results) == B
    exp, _, _ = _ref(model, patched, _inference())
    future = ref_unpatch(exp, P)[:, T_IN - 1:]  # predictions of x[T_in..]
    for s, res in enumerate(results):
        assert set(res) == {'pred', 'gt', 'inputs'}
        assert res['pred'].shape == (T_OUT, C, H, W)
        assert res['gt'].shape == (T_OUT, C, H, W)
        assert res['inputs'].shape == (T_IN, C, H, W)
        torch.testing.assert_close(res['pred'], future[s], rtol=1e-10,
                                   atol=1e-12)
        assert torch.equal(res['gt'], clip[s, T_IN:])
        assert torch.equal(res['inputs'], clip[s, :T_IN])


def test_predict_is_not_clipped():
    model = _build(True)
    with torch.no_grad():
        model.net.conv_last.weight.mul_(50.0)
        res = model(ref_patch(_clip(seed=4), P), mode='predict')
    preds = torch.stack([r['pred'] for r in res])
    assert preds.min() < 0 or preds.max() > 1


@pytest.mark.parametrize('v2', [False, True])
def test_val_step_and_test_step_return_predict_list(v2):
    model = _build(v2, double=False)
    raw = _uint8(seed=5)
    clip = raw.float() / 255.0
    with torch.no_grad():
        results = model.val_step(dict(inputs=raw))
        tested = model.test_step(dict(inputs=raw))
        direct = model(ref_patch(clip, P), mode='predict')
    assert len(results) == B and len(tested) == B
    for s in range(B):
        res = results[s]
        for key in ('pred', 'gt', 'inputs'):
            assert res[key].dtype == torch.float32
            assert torch.equal(res[key], direct[s][key])
            assert torch.equal(tested[s][key], direct[s][key])
        assert torch.equal(res['gt'], clip[s, T_IN:])
        assert torch.equal(res['inputs'], clip[s, :T_IN])


def test_unknown_mode():
    model = _build(True)
    with pytest.raises(ValueError, match='mode'):
        model(ref_patch(_clip(), P), mode='nonsense')


# --------------------------------------------------------------------------
# losses
# --------------------------------------------------------------------------
@pytest.mark.parametrize('v2', [False, True])
def test_loss_under_teacher_forcing(v2, monkeypatch):
    model = _build(v2)
    monkeypatch.setattr(model, 'sampling', TeacherForcing())
    clip = _clip(seed=6)
    patched = ref_patch(clip, P)
    losses = model(patched, mode='loss')
    recon, dec = _ref_losses(model, patched,
                             torch.ones(B, T - 1, dtype=torch.float64))
    loss_keys = {k for k in losses if 'loss' in k}
    if v2:
        assert loss_keys == {'loss_recon', 'loss_decouple'}
        assert losses['loss_decouple'].item() == pytest.approx(BETA * dec,
                                                               rel=1e-10)
        assert losses['loss_decouple'].requires_grad
        # the raw cosine, if logged, is not summed into the loss
        if 'decouple_cos' in losses:
            assert losses['decouple_cos'].item() == pytest.approx(dec,
                                                                  rel=1e-10)
    else:
        assert loss_keys == {'loss_recon'}
        assert 'loss_decouple' not in losses
    assert losses['loss_recon'].item() == pytest.approx(recon, rel=1e-10)


@pytest.mark.parametrize('v2', [False, True])
def test_loss_uses_the_sampled_mask(v2, monkeypatch, set_iter):
    """The curriculum's mask drives the rollout: replace ``sample`` by a
    fixed random 0/1 mask and compare with the reference under that mask;
    also check what the curriculum is asked for."""
    model = _build(v2)
    set_iter(17)
    gen = torch.Generator().manual_seed(7)
    mask = torch.randint(0, 2, (B, T - 1), generator=gen).double()
    mask[:, 0] = 1
    mask[0, 1:] = torch.tensor([0.0, 1.0, 0.0])
    mask[1, 1:] = torch.tensor([1.0, 0.0, 1.0])
    calls = []

    def fake_sample(batch_size, in_frames, total_frames, iteration,
                    device=None, generator=None, keys=None):
        calls.append((batch_size, in_frames, total_frames, iteration,
                      len(keys)))
        return mask.clone()

    monkeypatch.setattr(model.sampling, 'sample', fake_sample)
    patched = ref_patch(_clip(seed=8), P)
    losses = model(patched, mode='loss')
    assert calls == [(B, T_IN, T, 17, B)]
    recon, dec = _ref_losses(model, patched, mask)
    assert losses['loss_recon'].item() == pytest.approx(recon, rel=1e-10)
    if v2:
        assert losses['loss_decouple'].item() == pytest.approx(BETA * dec,
                                                               rel=1e-10)
    # and it differs from teacher forcing (the mask matters)
    recon_tf, _ = _ref_losses(model, patched,
                              torch.ones(B, T - 1, dtype=torch.float64))
    assert not math.isclose(recon, recon_tf, rel_tol=1e-6)


def test_loss_decouple_is_beta_times_value():
    for beta in (0.0, 0.1, 2.5):
        model = _build(True, beta=beta)
        model.sampling = TeacherForcing()
        patched = ref_patch(_clip(seed=9), P)
        losses = model(patched, mode='loss')
        _, dec = _ref_losses(model, patched,
                             torch.ones(B, T - 1, dtype=torch.float64))
        assert dec > 0
        assert losses['loss_decouple'].item() == pytest.approx(beta * dec,
                                                               rel=1e-10,
                                                               abs=1e-15)


@pytest.mark.parametrize('v2', [False, True])
def test_l1_weight_adds_a_weighted_l1_term(v2):
    """loss = MSE + l1_weight * L1 (+ beta * decoupling), each term
    computed by hand from the reference rollout; 0 (the default) adds no
    term and a negative weight is refused."""
    patched = ref_patch(_clip(seed=11), P)
    ones = torch.ones(B, T - 1, dtype=torch.float64)
    model = _build(v2, l1_weight=0.7)
    model.sampling = TeacherForcing()
    losses = model(patched, mode='loss')
    preds, _, _ = _ref(model, patched, ones)
    l1 = float((preds - patched[:, 1:]).abs().sum()) / preds.numel()
    recon, dec = _ref_losses(model, patched, ones)
    assert losses['loss_l1'].item() == pytest.approx(0.7 * l1, rel=1e-10)
    assert losses['loss_recon'].item() == pytest.approx(recon, rel=1e-10)
    total, _ = model.parse_losses(losses)
    expected = recon + 0.7 * l1 + (BETA * dec if v2 else 0.0)
    assert total.item() == pytest.approx(expected, rel=1e-10)
    default = _build(v2)
    default.sampling = TeacherForcing()
    assert 'loss_l1' not in default(patched, mode='loss')
    with pytest.raises(ValueError, match='l1_weight must be >= 0'):
        _build(v2, l1_weight=-1)


@pytest.mark.parametrize('v2', [False, True])
def test_reverse_input_averages_clip_and_reversed_clip(v2):
    model = _build(v2, reverse_input='one_step')
    model.sampling = TeacherForcing()
    patched = ref_patch(_clip(seed=10), P)
    losses = model(patched, mode='loss')
    ones = torch.ones(B, T - 1, dtype=torch.float64)
    fwd = _ref_losses(model, patched, ones)
    rev = _ref_losses(model, patched.flip(1), ones)
    assert losses['loss_recon'].item() == pytest.approx(
        (fwd[0] + rev[0]) / 2, rel=1e-10)
    if v2:
        assert losses['loss_decouple'].item() == pytest.approx(
            BETA * (fwd[1] + rev[1]) / 2, rel=1e-10)
    # the reversed clip really is time-reversed (not the same clip twice)
    assert not math.isclose(fwd[0], rev[0], rel_tol=1e-6)


def test_reverse_input_doubles_the_batch(monkeypatch):
    model = _build(True, reverse_input='one_step')
    model.sampling = TeacherForcing()
    seen = []
    orig = model.net.forward

    def spy(frames, gt_mask, **kwargs):
        seen.append((frames.clone(), gt_mask.clone()))
        return orig(frames, gt_mask, **kwargs)

    monkeypatch.setattr(model.net, 'forward', spy)
    patched = ref_patch(_clip(seed=11), P)
    model(patched, mode='loss')
    frames, mask = seen[0]
    assert frames.shape == (2 * B, T, P * P * C, H // P, W // P)
    assert torch.equal(frames[:B], patched)
    for s in range(B):
        for t in range(T):
            assert torch.equal(frames[B + s, t], patched[s, T - 1 - t])
    assert mask.shape == (2 * B, T - 1)
    # reverse_input is a training-time augmentation only
    with torch.no_grad():
        res = model(patched, mode='predict')
    assert len(res) == B


@pytest.mark.parametrize('v2,k,expected', [
    (True, 0, None), (True, 250, None), (True, 100000, 'inference'),
    (False, 60000, 'inference'), (False, 0, 'ones')])
def test_curriculum_reads_iteration_from_message_hub(v2, k, expected,
                                                     monkeypatch, set_iter):
    sampling = (dict(type='ReverseScheduledSampling', s1=100, s2=400,
                     alpha=50.0) if v2 else
                dict(type='ScheduledSampling', rate=1e-3, stop_iter=500))
    model = _build(v2, sampling=sampling)
    set_iter(k)
    asked = []
    orig_prob = model.sampling.probabilities

    def spy_prob(iteration):
        asked.append(iteration)
        return orig_prob(iteration)

    monkeypatch.setattr(model.sampling, 'probabilities', spy_prob)
    drawn = []
    orig_sample = model.sampling.sample

    def spy_sample(*args, **kwargs):
        mask = orig_sample(*args, **kwargs)
        drawn.append(mask)
        return mask

    monkeypatch.setattr(model.sampling, 'sample', spy_sample)
    patched = ref_patch(_clip(seed=12), P)
    losses = model(patched, mode='loss')
    assert asked == [k]
    mask = drawn[0].to(torch.float64)
    if expected == 'inference':
        # beyond s2 / stop_iter: deterministic, equal to the test-time mask
        assert torch.equal(mask, _inference())
    elif expected == 'ones':
        assert torch.equal(mask, torch.ones(B, T - 1, dtype=torch.float64))
    recon, _ = _ref_losses(model, patched, mask)
    assert losses['loss_recon'].item() == pytest.approx(recon, rel=1e-10)


def test_curriculum_probability_follows_iteration(set_iter):
    """A curriculum whose probabilities depend on the iteration: the masks
    the model draws follow the MessageHub's 'iter'."""

    class Threshold(ReverseScheduledSampling):

        def probabilities(self, iteration):
            return (1.0, 1.0) if iteration >= 5 else (0.0, 0.0)

    model = _build(True)
    model.sampling = Threshold()
    drawn = []
    orig = model.sampling.sample
    model.sampling.sample = lambda *a, **kw: drawn.append(orig(*a, **kw)) \
        or drawn[-1]
    patched = ref_patch(_clip(seed=13), P)
    set_iter(4)
    model(patched, mode='loss')
    set_iter(5)
    model(patched, mode='loss')
    expected_low = torch.zeros(B, T - 1)
    expected_low[:, 0] = 1
    assert torch.equal(drawn[0], expected_low)
    assert torch.equal(drawn[1], torch.ones(B, T - 1))


def test_default_curricula_and_beta():
    v2 = MODELS.build(dict(type='PredRNNv2', num_layers=1, num_hidden=4,
                           kernel_size=3))
    assert isinstance(v2.sampling, ReverseScheduledSampling)
    assert (v2.sampling.s1, v2.sampling.s2, v2.sampling.alpha) == (
        25000, 50000, 2500)
    assert v2.beta == pytest.approx(0.1)
    assert v2.patch_size == 4
    v1 = MODELS.build(dict(type='PredRNN', num_layers=1, num_hidden=4,
                           kernel_size=3))
    assert isinstance(v1.sampling, ScheduledSampling)
    assert (v1.sampling.rate, v1.sampling.stop_iter) == (2e-5, 50000)
    with pytest.raises(ValueError, match='beta'):
        MODELS.build(_cfg(True, beta=-0.1))


# --------------------------------------------------------------------------
# training / validation steps
# --------------------------------------------------------------------------
@pytest.mark.parametrize('v2', [False, True])
def test_train_step_updates_weights_and_logs(v2, set_iter):
    model = _build(v2, double=False)
    model.sampling = TeacherForcing()
    set_iter(3)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.5))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    raw = _uint8(seed=14)
    patched = ref_patch(raw.double() / 255.0, P)
    # reference losses with the weights before the update
    ref_model = _build(v2)
    ref_model.load_state_dict(model.state_dict())
    recon, dec = _ref_losses(ref_model, patched,
                             torch.ones(B, T - 1, dtype=torch.float64))
    log_vars = model.train_step(dict(inputs=raw), optim)
    keys = {'loss', 'loss_recon'} | ({'loss_decouple'} if v2 else set())
    assert keys <= set(log_vars)
    if not v2:
        assert 'loss_decouple' not in log_vars
    assert _val(log_vars['loss_recon']) == pytest.approx(recon, rel=1e-4)
    total = recon + (BETA * dec if v2 else 0.0)
    assert _val(log_vars['loss']) == pytest.approx(total, rel=1e-4)
    if v2:
        assert _val(log_vars['loss_decouple']) == pytest.approx(BETA * dec,
                                                                 rel=1e-4)
    for name, p in model.named_parameters():
        assert not torch.equal(p.detach(), before[name]), name


def test_parse_losses_raises_on_nan_naming_iteration(set_iter):
    model = _build(True, double=False)
    set_iter(41)
    losses = dict(loss_recon=torch.tensor(float('nan')),
                  loss_decouple=torch.tensor(0.1))
    with pytest.raises(FloatingPointError) as err:
        model.parse_losses(losses)
    msg = str(err.value)
    assert 'iteration 42' in msg  # 1-based, as mmengine's logger prints it
    assert 'loss_recon' in msg
    # finite losses pass through mmengine's parsing
    loss, log_vars = model.parse_losses(dict(loss_recon=torch.tensor(0.25),
                                             loss_decouple=torch.tensor(0.5)))
    assert float(loss) == pytest.approx(0.75)
    assert _val(log_vars['loss']) == pytest.approx(0.75)
    with pytest.raises(FloatingPointError, match='loss_decouple'):
        model.parse_losses(dict(loss_recon=torch.tensor(0.25),
                                loss_decouple=torch.tensor(float('inf'))))


@pytest.mark.parametrize('v2', [False, True])
def test_train_step_nan_does_not_update(v2, set_iter):
    model = _build(v2, double=False)
    set_iter(7)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.5))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    clip = _clip(seed=15, dtype=torch.float32)
    clip[0, 1, 0, 0, 0] = float('nan')
    with pytest.raises(FloatingPointError, match='iteration 8'):
        model.train_step(dict(inputs=clip), optim)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
@pytest.mark.parametrize('mode', ['loss', 'predict', 'tensor'])
@pytest.mark.parametrize('t', [T - 1, T + 1, 1])
def test_wrong_clip_length(mode, t):
    model = _build(True)
    patched = ref_patch(_clip(t=t), P)
    with pytest.raises(ValueError) as err:
        model(patched, mode=mode)
    msg = str(err.value)
    assert f'{t} frames' in msg and str(T) in msg


@pytest.mark.parametrize('mode', ['loss', 'predict'])
def test_observed_frames_only_is_not_enough_for_loss_or_predict(mode):
    model = _build(True)
    with pytest.raises(ValueError, match='frames'):
        model(ref_patch(_clip(t=T_IN), P), mode=mode)


@pytest.mark.parametrize('mode', ['loss', 'predict', 'tensor'])
def test_wrong_channels(mode):
    model = _build(True)
    patched = ref_patch(_clip(c=1), P)
    with pytest.raises(ValueError, match='channels') as err:
        model(patched, mode=mode)
    assert str(P * P * 1) in str(err.value) and str(P * P * C) in str(
        err.value)


def test_wrong_clip_length_through_train_step():
    model = _build(True, double=False)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match='in_frames \\+ out_frames'):
        model.train_step(dict(inputs=_uint8(t=T + 2)), optim)


def test_unequal_hidden_sizes_rejected():
    with pytest.raises(ValueError, match='hidden'):
        MODELS.build(_cfg(True, num_hidden=[4, 8]))
    with pytest.raises(ValueError, match='hidden'):
        MODELS.build(_cfg(False, num_hidden=[8, 4]))


def test_bad_frame_counts_and_layer_norm_config():
    with pytest.raises(ValueError):
        MODELS.build(_cfg(True, in_frames=0))
    with pytest.raises(ValueError):
        MODELS.build(_cfg(True, out_frames=0))
    with pytest.raises(ValueError, match='frame_size'):
        MODELS.build(_cfg(True, layer_norm=True))


# --------------------------------------------------------------------------
# layer norm and parameter counts
# --------------------------------------------------------------------------
def test_layer_norm_model_matches_reference():
    model = _build(True, layer_norm=True, frame_size=(H, W))
    ln = model.net.cell_list[0].conv_x[1]
    assert tuple(ln.normalized_shape) == (7 * CH, H // P, W // P)
    assert randomise_layer_norms(model) == 4 * LAYERS
    model.sampling = TeacherForcing()
    patched = ref_patch(_clip(seed=16), P)
    with torch.no_grad():
        out = model(patched, mode='tensor')
        losses = model(patched, mode='loss')
    exp, _, _ = ref_rollout(_sd(model), patched, _inference(), LAYERS,
                            layer_norm=True)
    torch.testing.assert_close(out, ref_unpatch(exp, P), rtol=1e-10,
                               atol=1e-12)
    ones = torch.ones(B, T - 1, dtype=torch.float64)
    preds, deltas, _ = ref_rollout(_sd(model), patched, ones, LAYERS,
                                   layer_norm=True)
    recon = float(((preds - patched[:, 1:])**2).mean())
    dec = ref_decouple(deltas, model.net.adapter.weight.detach())
    assert losses['loss_recon'].item() == pytest.approx(recon, rel=1e-10)
    assert losses['loss_decouple'].item() == pytest.approx(BETA * dec,
                                                           rel=1e-10)


def _count(model):
    return sum(p.numel() for p in model.parameters())


def test_paper_config_parameter_count():
    paper = dict(in_frames=10, out_frames=10, frame_channels=1, num_layers=4,
                 num_hidden=128, kernel_size=5, layer_norm=False,
                 data_preprocessor=dict(type='VideoDataPreprocessor',
                                        patch_size=4))
    v2 = MODELS.build(dict(type='PredRNNv2', beta=0.1, **paper))
    assert _count(v2) == 23_855_104
    # the same number written out from docs/en/model.md
    ch, k, cin = 128, 5, 16
    per_layer = [(7 * ch * (cin if l == 0 else ch) + 4 * ch * ch +
                  3 * ch * ch + ch * 2 * ch) * k * k + ch * 2 * ch
                 for l in range(4)]
    assert sum(per_layer) + cin * ch + ch * ch == 23_855_104
    v1 = MODELS.build(dict(type='PredRNN', **paper))
    assert _count(v1) == 23_855_104 - ch * ch  # no adapter


@pytest.mark.parametrize('option', ['activation_checkpointing',
                                    'channels_last'])
def test_speed_and_memory_switches_keep_the_losses(option, monkeypatch):
    """The config switches reach the network and change no number."""
    clip = ref_patch(_clip(seed=8), P)
    losses = []
    for enabled in (False, True):
        model = _build(True, **{option: enabled})
        monkeypatch.setattr(model, 'sampling', TeacherForcing())
        if option == 'activation_checkpointing':
            assert model.net.activation_checkpointing is enabled
        else:
            assert (model.net.memory_format is torch.channels_last) is enabled
        out = model(clip, mode='loss')
        losses.append({k: _val(v) for k, v in out.items()})
    assert losses[0] == pytest.approx(losses[1], rel=1e-10)


# --------------------------------------------------------------------------
# curriculum masks across processes
# --------------------------------------------------------------------------
def test_curriculum_mask_of_a_clip_is_the_same_on_any_rank(monkeypatch,
                                                           set_iter):
    """With the run's seed published (IterationSeedHook), rank r of 2
    processes of batch 2 draws the masks of clips r and r + 2 of one
    process of batch 4; without it, masks follow torch's generator."""
    import predrnn.models.curricula.clip_keys as clip_keys_module
    from predrnn.engine.iteration_seed_hook import CURRICULUM_SEED_KEY
    model = _build(True, sampling=dict(type='ReverseScheduledSampling',
                                       s1=0, s2=100, alpha=10.0))
    set_iter(1)
    hub = MessageHub.get_current_instance()
    hub.update_info(CURRICULUM_SEED_KEY, 77, resumed=False)
    try:
        monkeypatch.setattr(clip_keys_module, 'get_dist_info',
                            lambda: (0, 1))
        single = model.curriculum_mask(8)
        assert len({str(row.tolist()) for row in single}) > 2
        for rank in (0, 1):
            monkeypatch.setattr(clip_keys_module, 'get_dist_info',
                                lambda rank=rank: (rank, 2))
            assert torch.equal(model.curriculum_mask(4), single[rank::2])
    finally:
        hub.update_info(CURRICULUM_SEED_KEY, None, resumed=False)
    torch.manual_seed(5)
    a = model.curriculum_mask(64)
    torch.manual_seed(5)
    assert torch.equal(a, model.curriculum_mask(64))
    assert not torch.equal(a, model.curriculum_mask(64))

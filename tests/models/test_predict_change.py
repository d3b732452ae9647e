"""The change-prediction output mode (``predict_change=True``): each step
outputs the frame it was fed plus the output head, the head starting at
zero. Checked against the explicit reference rollout (``_spec_reference``)
and finite differences; an untrained model must forecast the last observed
frame exactly."""
import pytest
import torch
import torch.nn.functional as F

from _spec_reference import ref_patch, ref_rollout
from predrnn.models.networks import ActionPredRNNNet, PredRNNNet
from predrnn.registry import MODELS

# 2 layers of 4, kernel 3, on 8-channel 4 x 6 patched frames, T = 3 + 2
CIN, CH, LAYERS, K = 8, 4, 2, 3
B, T_IN, T_OUT, HP, WP = 2, 3, 2, 4, 6
T = T_IN + T_OUT
A = 3  # condition channels


def _net(predict_change=True, seed=0, **kwargs):
    torch.manual_seed(seed)
    return PredRNNNet(CIN, CH, LAYERS, K, predict_change=predict_change,
                      **kwargs).double()


def _frames(seed=0, b=B, t=T, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(b, t, CIN, HP, WP, generator=gen, dtype=dtype)


def _inference_mask(b=B, t=T, dtype=torch.float64):
    mask = torch.ones(b, t - 1, dtype=dtype)
    mask[:, T_IN:] = 0
    return mask


def _random_mask(seed=1):
    gen = torch.Generator().manual_seed(seed)
    mask = torch.rand(B, T - 1, generator=gen, dtype=torch.float64)
    mask[:, 1] = torch.tensor([0., 1.])  # both kinds of input
    return mask


def _randomise_head(net, seed=2):
    """A trained-looking head, so that gradients reach every layer."""
    gen = torch.Generator().manual_seed(seed)
    head = net.output_head().weight
    with torch.no_grad():
        head.copy_(0.5 * torch.randn(head.shape, generator=gen,
                                     dtype=head.dtype))


def _assert_copy_last(preds, frames):
    """Encoder steps output the frame they read, decoder steps the last
    observed frame, bit for bit."""
    assert torch.equal(preds[:, :T_IN], frames[:, :T_IN])
    last = frames[:, T_IN - 1:T_IN].expand_as(preds[:, T_IN - 1:])
    assert torch.equal(preds[:, T_IN - 1:], last)


# --------------------------------------------------------------------------
# untrained: copy-last
# --------------------------------------------------------------------------
@pytest.mark.parametrize('channels_last', [False, True])
def test_untrained_network_is_copy_last(channels_last):
    net = _net(channels_last=channels_last, decouple=True)
    assert not net.conv_last.weight.any()
    frames = _frames()
    frames[:, T_IN:] = 7.0  # future frames the mask never selects
    with torch.no_grad():
        preds, _ = net(frames, _inference_mask())
    _assert_copy_last(preds, frames)


@pytest.mark.parametrize('backbone', [
    dict(fusion='multiplicative'),
    dict(fusion='additive'),
    dict(conv_on_input=True),
    dict(conv_on_input=True, res_on_conv=True),
])
def test_untrained_conditioned_network_is_copy_last(backbone):
    torch.manual_seed(0)
    net = ActionPredRNNNet(CIN, A, num_hidden=CH, num_layers=LAYERS,
                           kernel_size=K, predict_change=True,
                           **backbone).double()
    head = net.output_head()
    assert head is (net.deconv_output2 if backbone.get('conv_on_input')
                    else net.conv_last)
    assert not head.weight.any()
    frames = _frames()
    conditions = torch.rand(B, T, A, dtype=torch.float64)
    with torch.no_grad():
        preds, _ = net(frames, _inference_mask(), conditions)
    _assert_copy_last(preds, frames)


@pytest.mark.parametrize('backbone', [
    dict(fusion='multiplicative'),
    dict(conv_on_input=True, res_on_conv=True),
])
def test_conditioned_change_is_fed_frame_plus_the_plain_output(backbone):
    """With the same (non-zero) weights and teacher forcing (both modes
    read the same frames), the change mode adds the fed frame to what
    the paper's read-out gives."""
    kwargs = dict(num_hidden=CH, num_layers=LAYERS, kernel_size=K,
                  **backbone)
    torch.manual_seed(0)
    plain = ActionPredRNNNet(CIN, A, **kwargs).double()
    change = ActionPredRNNNet(CIN, A, predict_change=True, **kwargs).double()
    change.load_state_dict(plain.state_dict())
    frames = _frames()
    conditions = torch.rand(B, T, A, dtype=torch.float64)
    ones = torch.ones(B, T - 1, dtype=torch.float64)
    with torch.no_grad():
        expected = frames[:, :-1] + plain(frames, ones, conditions)[0]
        got = change(frames, ones, conditions)[0]
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    assert not torch.allclose(got, frames[:, :-1])  # the head contributes


def _model_cfg(**kwargs):
    return dict(type='PredRNNv2', in_frames=T_IN, out_frames=T_OUT,
                frame_channels=2, num_layers=LAYERS, num_hidden=CH,
                kernel_size=K,
                data_preprocessor=dict(type='VideoDataPreprocessor',
                                       patch_size=2), **kwargs)


@pytest.mark.parametrize('form', ['flat', 'backbone'])
def test_untrained_model_forecasts_the_last_observed_frame(form):
    """Through ``model.forecast`` past ``out_frames`` and through the
    predict mode (patch 2: the change is added per patch channel)."""
    cfg = (_model_cfg(predict_change=True) if form == 'flat' else
           _model_cfg(backbone=dict(type='PredRNNNet', predict_change=True)))
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    assert model.net.predict_change
    gen = torch.Generator().manual_seed(3)
    observed = torch.rand(B, T_IN + 2, 2, 8, 12, generator=gen)
    future = 2 * T_OUT + 1
    forecast = model.forecast(observed, future)
    assert forecast.shape == (B, future, 2, 8, 12)
    assert torch.equal(forecast,
                       observed[:, -1:].expand(-1, future, -1, -1, -1))
    clip = observed[:, :T]
    results = model(ref_patch(clip, 2), mode='predict')
    for result, frames in zip(results, clip):
        assert torch.equal(result['pred'],
                           frames[T_IN - 1:T_IN].expand(T_OUT, -1, -1, -1))


def test_mode_off_by_default_and_parameter_names_unchanged():
    torch.manual_seed(0)
    default = MODELS.build(_model_cfg())
    assert default.net.predict_change is False
    assert default.net.conv_last.weight.any()
    change = MODELS.build(_model_cfg(predict_change=True))
    assert change.state_dict().keys() == default.state_dict().keys()
    # the flat key wins over the backbone form, as the other flat keys
    off = MODELS.build(_model_cfg(predict_change=False, backbone=dict(
        type='PredRNNNet', predict_change=True)))
    assert off.net.predict_change is False


# --------------------------------------------------------------------------
# gradients
# --------------------------------------------------------------------------
def _loss(preds, frames):
    return F.mse_loss(preds, frames[:, 1:])


@pytest.mark.parametrize('trained_head', [False, True])
def test_gradients_match_the_reference_rollout(trained_head):
    """Predictions and every parameter's gradient equal those of the
    explicit reference loop with the same parameters (autograd through
    both); untrained, only the head receives a gradient."""
    net = _net()
    if trained_head:
        _randomise_head(net)
    frames, mask = _frames(4), _random_mask()
    params = dict(net.named_parameters())
    preds, _ = net(frames, mask)
    grads = torch.autograd.grad(_loss(preds, frames), list(params.values()))
    ref_preds, _, _ = ref_rollout(params, frames, mask, LAYERS,
                                  predict_change=True)
    ref_grads = torch.autograd.grad(_loss(ref_preds, frames),
                                    list(params.values()))
    torch.testing.assert_close(preds, ref_preds, rtol=1e-10, atol=1e-12)
    for name, got, exp in zip(params, grads, ref_grads):
        torch.testing.assert_close(got, exp, rtol=1e-9, atol=1e-12,
                                   msg=name)
        # zero head: no gradient reaches the layers below it yet
        assert bool(got.any()) == (trained_head or name == 'conv_last.weight')
    # the reference of the paper's mode would not match
    plain, _, _ = ref_rollout(params, frames, mask, LAYERS)
    assert not torch.allclose(plain, preds)


def test_gradients_match_finite_differences():
    """Central differences on one entry of the head and of a layer-0 gate
    weight (float64)."""
    net = _net()
    _randomise_head(net)
    frames, mask = _frames(5), _random_mask(6)
    _loss(net(frames, mask)[0], frames).backward()
    for param, index in ((net.conv_last.weight, (1, 2, 0, 0)),
                         (net.cell_list[0].conv_x[0].weight, (3, 1, 1, 2))):
        eps = 1e-6
        with torch.no_grad():
            losses = []
            for sign in (1, -1):
                param[index] += sign * eps
                losses.append(float(_loss(net(frames, mask)[0], frames)))
                param[index] -= sign * eps
        numeric = (losses[0] - losses[1]) / (2 * eps)
        assert numeric != 0
        assert float(param.grad[index]) == pytest.approx(numeric, rel=1e-5)


def test_activation_checkpointing_same_gradients():
    frames, mask = _frames(7), _random_mask(8)
    results = []
    for checkpointed in (False, True):
        net = _net(activation_checkpointing=checkpointed, decouple=True)
        _randomise_head(net)
        preds, cos = net(frames, mask, return_decouple_loss=True)
        (_loss(preds, frames) + 0.1 * cos).backward()
        results.append((preds.detach(), {n: p.grad.clone()
                                         for n, p in net.named_parameters()}))
    (preds_a, grads_a), (preds_b, grads_b) = results
    torch.testing.assert_close(preds_b, preds_a, rtol=1e-12, atol=0)
    for name in grads_a:
        assert grads_a[name].any(), name
        torch.testing.assert_close(grads_b[name], grads_a[name], rtol=1e-10,
                                   atol=1e-12, msg=name)


def test_init_cfg_keeps_the_head_at_zero():
    """mmengine's ``init_weights`` with an initialiser for every Conv2d
    re-initialises the layers, not the change mode's head."""
    torch.manual_seed(0)
    model = MODELS.build(_model_cfg(predict_change=True, init_cfg=dict(
        type='Normal', layer='Conv2d', std=0.5)))
    before = model.net.cell_list[0].conv_x[0].weight.clone()
    model.init_weights()
    assert not torch.equal(model.net.cell_list[0].conv_x[0].weight, before)
    assert not model.net.conv_last.weight.any()
    plain = MODELS.build(_model_cfg(init_cfg=dict(
        type='Normal', layer='Conv2d', std=0.5)))
    plain.init_weights()
    assert plain.net.conv_last.weight.any()

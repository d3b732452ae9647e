"""Action-conditioned PredRNN-V2 (docs/en/model.md) against an independent
reference
written from the documented equations, shapes on non-square frames, and clear
errors."""
import re

import pytest
import torch

from predrnn.models.cells import ActionSpatioTemporalLSTMCell
from predrnn.models.data_preprocessors import VideoDataPreprocessor
from predrnn.models.networks import ActionPredRNNNet
from predrnn.models.utils import CheckpointFormatError
from predrnn.registry import MODELS
from _action_reference import randomise, ref_action_cell, ref_action_rollout
from _spec_reference import cell_params, ref_cell, ref_decouple, ref_patch

T_IN, T_OUT, A = 2, 3, 3


def build(fusion='multiplicative', conv_on_input=True, res_on_conv=True,
          patch=2, hidden=8, layers=2, **kw):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='ActionCondPredRNNv2', condition_channels=A, in_frames=T_IN,
        out_frames=T_OUT, num_layers=layers, num_hidden=hidden, kernel_size=3,
        fusion=fusion, conv_on_input=conv_on_input, res_on_conv=res_on_conv,
        data_preprocessor=dict(type='ConditionedVideoDataPreprocessor',
                               patch_size=patch), **kw))


def batch(b=2, h=12, w=20, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(b, T_IN + T_OUT, 1, h, w, generator=gen),
            torch.randn(b, T_IN + T_OUT, A, generator=gen))


def test_cell_matches_spec_reference():
    cell = ActionSpatioTemporalLSTMCell(5, 4, kernel_size=3)
    randomise(cell, seed=3)
    gen = torch.Generator().manual_seed(0)
    x, a = torch.randn(2, 5, 6, 7, generator=gen), torch.randn(
        2, 4, 6, 7, generator=gen)
    h, c, m = (torch.randn(2, 4, 6, 7, generator=gen) for _ in range(3))
    got = cell(x, h, c, m, a)
    want = ref_action_cell(cell.state_dict(), '', x, h, c, m, a)
    assert len(got) == 5
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, atol=1e-5, rtol=1e-5)
    # every convolution carries a bias, as in the authors' action cell
    assert all(f'{n}.0.bias' in cell.state_dict()
               for n in ('conv_x', 'conv_h', 'conv_a', 'conv_m', 'conv_o'))
    assert 'conv_last.bias' in cell.state_dict()


def test_cell_action_gates_only_the_hidden_path():
    """With h = 0 and zero conv_h bias the action cannot matter: it only
    multiplies conv_h(h)."""
    cell = ActionSpatioTemporalLSTMCell(3, 4, kernel_size=3)
    randomise(cell, seed=1)
    with torch.no_grad():
        cell.conv_h[0].bias.zero_()
    x, m = torch.randn(1, 3, 5, 5), torch.randn(1, 4, 5, 5)
    zero = torch.zeros(1, 4, 5, 5)
    out1 = cell(x, zero, zero, m, torch.randn(1, 4, 5, 5))
    out2 = cell(x, zero, zero, m, torch.randn(1, 4, 5, 5))
    for o1, o2 in zip(out1, out2):
        torch.testing.assert_close(o1, o2)


@pytest.mark.parametrize('conv_on_input,res_on_conv', [(True, True),
                                                       (True, False),
                                                       (False, False)])
def test_network_matches_spec_reference(conv_on_input, res_on_conv):
    model = build(conv_on_input=conv_on_input, res_on_conv=res_on_conv)
    randomise(model.net, seed=5, scale=0.2)
    clips, actions = batch(h=14, w=10)  # odd sizes after the first stride
    frames = ref_patch(clips, 2)
    mask = torch.bernoulli(torch.full((2, T_IN + T_OUT - 1), 0.5),
                           generator=torch.Generator().manual_seed(2))
    preds, loss = model.net(frames, mask, conditions=actions,
                             return_decouple_loss=True)
    ref_preds, deltas = ref_action_rollout(model.net.state_dict(), frames,
                                           actions, mask, 2, conv_on_input,
                                           res_on_conv)
    torch.testing.assert_close(preds, ref_preds, atol=1e-5, rtol=1e-4)
    ref_loss = ref_decouple(deltas, model.net.state_dict()['adapter.weight'])
    assert loss.item() == pytest.approx(ref_loss, rel=1e-4)


@pytest.mark.parametrize('h,w,patch', [(12, 20, 2), (10, 6, 1), (16, 24, 4),
                                       (9, 13, 1)])
@pytest.mark.parametrize('fusion', ['multiplicative', 'additive'])
def test_encoder_decoder_shapes_non_square(h, w, patch, fusion):
    model = build(fusion=fusion, patch=patch)
    clips, actions = batch(h=h, w=w)
    data = model.data_preprocessor(dict(inputs=clips, conditions=actions))
    out = model(**data, mode='tensor')
    assert out.shape == (2, T_IN + T_OUT - 1, 1, h, w)
    # the recurrence runs on the stride-2-twice grid (ceil each time)
    hp, wp = h // patch, w // patch
    grid = (-(-(-(-hp // 2)) // 2), -(-(-(-wp // 2)) // 2))
    enc = model.net.conv_input2(model.net.conv_input1(data['inputs'][:, 0]))
    assert enc.shape[-2:] == grid
    results = model(**data, mode='predict')
    assert results[0]['pred'].shape == (T_OUT, 1, h, w)
    assert results[0]['conditions'].shape == (T_IN + T_OUT, A)


def test_loss_and_train_step_update_the_condition_path():
    model = build()
    clips, actions = batch()
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    from mmengine.optim import OptimWrapper
    before = model.net.action_conv_input1.weight.detach().clone()
    log = model.train_step(dict(inputs=clips, conditions=actions),
                           OptimWrapper(optim))
    assert {'loss_recon', 'loss_decouple', 'decouple_cos'} <= set(log)
    assert not torch.equal(before, model.net.action_conv_input1.weight)
    outs = model.val_step(dict(inputs=clips, conditions=actions))
    assert len(outs) == 2 and outs[0]['gt'].shape == (T_OUT, 1, 12, 20)


def test_observed_frames_only_needs_all_conditions():
    model = build()
    clips, actions = batch()
    data = model.data_preprocessor(dict(inputs=clips, conditions=actions))
    full = model(**data, mode='tensor')
    observed = model(data['inputs'][:, :T_IN], conditions=actions,
                     mode='tensor')
    torch.testing.assert_close(observed[:, T_IN - 1:], full[:, T_IN - 1:])
    # the last condition is never read: T - 1 of them are enough
    short = model(data['inputs'], conditions=actions[:, :-1], mode='tensor')
    torch.testing.assert_close(short, full)


@pytest.mark.parametrize('bad,match', [
    (lambda a: a[:, :T_IN], r'cover 2 frames but the clips have 5'),
    (lambda a: a[..., :2], r'2 numbers per frame .*condition_channels=3'),
    (lambda a: a[0], r'\(B, T, A\)'),
])
def test_mismatched_conditions_are_named(bad, match):
    model = build()
    clips, actions = batch()
    data = model.data_preprocessor(dict(inputs=clips, conditions=actions))
    with pytest.raises(ValueError, match=match):
        model(data['inputs'], conditions=bad(actions), mode='loss')


def test_missing_conditions_are_named():
    model = build()
    clips, _ = batch()
    with pytest.raises(KeyError, match='conditions'):
        model.data_preprocessor(dict(inputs=clips))
    plain = VideoDataPreprocessor(patch_size=2)  # drops the conditions
    with pytest.raises(ValueError, match='needs conditions'):
        model(plain(dict(inputs=clips))['inputs'], mode='tensor')


@pytest.mark.parametrize('kw,match', [
    (dict(reverse_input=True), 'reverse_input'),
    (dict(reverse_input='two_steps'), 'reverse_input'),
    (dict(fusion='concat'), 'fusion must be one of'),
    (dict(hidden=7), 'must be even'),
    (dict(conv_on_input=False, res_on_conv=True), 'needs conv_on_input'),
])
def test_bad_configs_are_refused(kw, match):
    with pytest.raises(ValueError, match=match):
        build(**kw)


@pytest.mark.parametrize('fusion,conv_on_input,names', [
    ('multiplicative', True, 'action_conv_input1.weight'),
    ('multiplicative', False, 'conv_a.0.weight'),
    ('additive', False, r'cell_list.0.conv_x.0.weight: checkpoint \(56, 8,'),
])
def test_checkpoint_of_another_condition_width_is_refused(
        fusion, conv_on_input, names):
    kw = dict(fusion=fusion, conv_on_input=conv_on_input,
              res_on_conv=conv_on_input)
    model = build(**kw)
    other = MODELS.build(dict(
        type='ActionCondPredRNNv2', condition_channels=A + 1,
        in_frames=T_IN, out_frames=T_OUT, num_layers=2, num_hidden=8,
        kernel_size=3, **kw,
        data_preprocessor=dict(type='ConditionedVideoDataPreprocessor',
                               patch_size=2)))
    with pytest.raises(CheckpointFormatError,
                       match='condition_channels') as err:
        model.load_state_dict(other.state_dict())
    assert re.search(names, str(err.value))
    # not the unconditioned account (condition channels taken for frame
    # channels, suggesting another patch size)
    assert 'frame_channels=' not in str(err.value)
    model.load_state_dict(build(**kw).state_dict())  # same shapes load


def test_layer_norm_recurrent_grid():
    model = build(layer_norm=True, frame_size=(12, 20))
    clips, actions = batch()
    data = model.data_preprocessor(dict(inputs=clips, conditions=actions))
    assert model(**data, mode='tensor').shape == (2, 4, 1, 12, 20)
    # 12x20 / patch 2 = 6x10 -> 3x5 -> 2x3
    assert tuple(model.net.cell_list[0].conv_x[1].normalized_shape) == (
        56, 2, 3)
    with pytest.raises(ValueError, match='frame_size'):
        build(layer_norm=True)


def test_network_refuses_bad_width_directly():
    net = ActionPredRNNNet(4, 3, num_hidden=4, num_layers=1, kernel_size=3)
    with pytest.raises(ValueError, match='condition_channels=3'):
        net(torch.zeros(1, 3, 4, 4, 4), torch.ones(1, 2),
            conditions=torch.zeros(1, 3, 2))


def test_additive_fusion_matches_spec_reference():
    model = build(fusion='additive', conv_on_input=False, res_on_conv=False)
    randomise(model.net, seed=7, scale=0.2)
    clips, actions = batch(h=8, w=6)
    frames = ref_patch(clips, 2)
    # teacher forcing everywhere: every step reads the true frame
    mask = torch.ones(2, T_IN + T_OUT - 1)
    preds, _ = model.net(frames, mask, conditions=actions)
    sd = model.net.state_dict()
    assert sd['cell_list.0.conv_x.0.weight'].shape[1] == 4 + A
    assert sd['cell_list.1.conv_x.0.weight'].shape[1] == 8 + A
    ref = ref_additive_rollout_tf(sd, frames, actions, 2)
    torch.testing.assert_close(preds, ref, atol=1e-5, rtol=1e-4)


def ref_additive_rollout_tf(sd, frames, actions, num_layers):
    """As :func:`ref_additive_rollout` with the true frame at every step."""
    b, t_total, _, hh, ww = frames.shape
    params = [cell_params(sd, f'cell_list.{l}.') for l in range(num_layers)]
    ch = sd['cell_list.0.conv_h.0.weight'].shape[1]
    zeros = torch.zeros(b, ch, hh, ww)
    h, c, m = [zeros] * num_layers, [zeros] * num_layers, zeros
    preds = []
    for t in range(t_total - 1):
        a = actions[:, t, :, None, None].expand(b, actions.shape[2], hh, ww)
        inp = frames[:, t]
        for l in range(num_layers):
            h[l], c[l], m, _, _ = ref_cell(params[l], torch.cat([inp, a], 1),
                                           h[l], c[l], m)
            inp = h[l]
        preds.append(torch.nn.functional.conv2d(h[-1],
                                                sd['conv_last.weight']))
    return torch.stack(preds, dim=1)


@pytest.mark.parametrize('fusion,conv_on_input', [('multiplicative', True),
                                                  ('multiplicative', False),
                                                  ('additive', True),
                                                  ('additive', False)])
def test_changing_future_actions_changes_only_the_future(fusion,
                                                         conv_on_input):
    """Prediction of frame t+1 reads the conditions 0..t: changing the
    condition of step k changes the forecasts of frames k+1.. and nothing
    before."""
    model = build(fusion=fusion, conv_on_input=conv_on_input,
                  res_on_conv=conv_on_input)
    randomise(model.net, seed=11, scale=0.3)
    clips, actions = batch()
    data = model.data_preprocessor(dict(inputs=clips, conditions=actions))
    base = model(data['inputs'][:, :T_IN], conditions=actions, mode='tensor')
    k = T_IN  # a future step's condition
    what_if = actions.clone()
    what_if[:, k] += 1.0
    other = model(data['inputs'][:, :T_IN], conditions=what_if,
                  mode='tensor')
    torch.testing.assert_close(other[:, :k], base[:, :k])
    assert (other[:, k:] - base[:, k:]).abs().amax() > 1e-3


def test_network_refuses_a_mask_of_the_wrong_shape():
    net = ActionPredRNNNet(4, 3, num_hidden=4, num_layers=1, kernel_size=3)
    with pytest.raises(ValueError, match=r'gt_mask must have shape'):
        net(torch.zeros(1, 3, 4, 4, 4), torch.ones(1, 3),
            conditions=torch.zeros(1, 3, 3))


def test_backbone_form_is_the_flat_form():
    """PredRNNv2 with an ActionPredRNNNet backbone is ActionCondPredRNNv2:
    the same parameter names, weights and predictions."""
    flat = build()
    torch.manual_seed(0)
    parts = MODELS.build(dict(
        type='PredRNNv2', in_frames=T_IN, out_frames=T_OUT,
        backbone=dict(type='ActionPredRNNNet', condition_channels=A,
                      num_layers=2, num_hidden=8, kernel_size=3,
                      conv_on_input=True, res_on_conv=True),
        data_preprocessor=dict(type='ConditionedVideoDataPreprocessor',
                               patch_size=2)))
    assert type(parts.net) is type(flat.net)
    assert parts.state_dict().keys() == flat.state_dict().keys()
    randomise(flat.net, seed=4, scale=0.2)
    parts.load_state_dict(flat.state_dict())
    clips, actions = batch()
    data = flat.data_preprocessor(dict(inputs=clips, conditions=actions))
    assert torch.equal(parts(**data, mode='tensor'),
                       flat(**data, mode='tensor'))


def _training_pass(model, frames, mask, actions):
    model.zero_grad()
    preds, cos = model.net(frames, mask, conditions=actions,
                           return_decouple_loss=True)
    ((preds - frames[:, 1:]).square().mean() + 0.1 * cos).backward()
    return preds.detach(), cos.detach(), {
        n: p.grad.clone() for n, p in model.named_parameters()}


@pytest.mark.parametrize('option', [
    dict(activation_checkpointing=True), dict(channels_last=True),
    dict(compile=dict(backend='eager'))
], ids=['checkpointing', 'channels_last', 'compile'])
@pytest.mark.parametrize('conv_on_input', [True, False])
def test_rollout_switches_match_eager(option, conv_on_input):
    """The conditioned backbone shares the plain network's rollout: its
    memory, layout and compile switches give the eager predictions,
    decoupling loss and gradients."""
    kw = dict(conv_on_input=conv_on_input, res_on_conv=conv_on_input)
    eager, other = build(**kw), build(**kw, **option)
    for model in (eager, other):
        randomise(model.net, seed=6, scale=0.2)
    clips, actions = batch(h=12, w=8)
    frames = ref_patch(clips, 2)
    mask = torch.bernoulli(torch.full((2, T_IN + T_OUT - 1), 0.5),
                           generator=torch.Generator().manual_seed(3))
    want = _training_pass(eager, frames, mask, actions)
    got = _training_pass(other, frames, mask, actions)
    torch.testing.assert_close(got[0], want[0], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(got[1], want[1], atol=1e-6, rtol=1e-4)
    for name, grad in want[2].items():
        assert grad.abs().sum() > 0, name
        torch.testing.assert_close(got[2][name], grad, atol=1e-5, rtol=1e-4,
                                   msg=name)

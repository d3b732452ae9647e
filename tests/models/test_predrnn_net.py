"""The recurrent core against docs/en/model.md.

The expectation is an explicit reference rollout (``_spec_reference``) that
calls its own implementation of the equations, never the cells; a second set
of tests records what each cell receives to check the zigzag path directly.
"""
import pytest
import torch

from _spec_reference import (randomise_layer_norms, ref_decouple,
                             ref_rollout)
from predrnn.models import PredRNNNet
from predrnn.registry import MODELS

# 3 layers of 4, kernel 3, patch 2 of a 2-channel 8x12 frame -> 8 x 4 x 6
LAYERS, CH, K = 3, 4, 3
CIN, HP, WP = 8, 4, 6
B, T_IN, T_OUT = 2, 3, 2
T = T_IN + T_OUT


def _net(decouple=True, layer_norm=False, seed=0):
    torch.manual_seed(seed)
    net = PredRNNNet(CIN, CH, LAYERS, K, layer_norm=layer_norm,
                     spatial_size=(HP, WP) if layer_norm else None,
                     decouple=decouple).double()
    if layer_norm:
        assert randomise_layer_norms(net) == 4 * LAYERS
    return net


def _frames(seed=0, b=B):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(b, T, CIN, HP, WP, generator=gen, dtype=torch.float64)


def _random_mask(seed=0, b=B):
    gen = torch.Generator().manual_seed(seed)
    mask = torch.randint(0, 2, (b, T - 1), generator=gen).double()
    mask[:, 0] = 1
    # make sure both kinds occur for every sample after step 0
    mask[:, 1] = torch.tensor([0.0, 1.0])[:b] if b == 2 else mask[:, 1]
    mask[:, 2] = torch.tensor([1.0, 0.0])[:b] if b == 2 else mask[:, 2]
    return mask


def _masks():
    ones = torch.ones(B, T - 1, dtype=torch.float64)
    after_k = ones.clone()
    after_k[:, 2:] = 0  # prediction fed back from step 2 on
    inference = ones.clone()
    inference[:, T_IN:] = 0
    return dict(ones=ones, after_k=after_k, inference=inference,
                random=_random_mask(), soft=torch.rand(
                    B, T - 1, generator=torch.Generator().manual_seed(9),
                    dtype=torch.float64))


@pytest.mark.parametrize('mask_name', list(_masks()))
@pytest.mark.parametrize('decouple', [False, True])
def test_rollout_matches_reference(mask_name, decouple):
    net = _net(decouple)
    frames = _frames()
    mask = _masks()[mask_name]
    preds, loss = net(frames, mask, return_decouple_loss=decouple)
    exp, deltas, _ = ref_rollout(net.state_dict(), frames, mask, LAYERS)
    assert preds.shape == (B, T - 1, CIN, HP, WP)
    torch.testing.assert_close(preds, exp, rtol=1e-10, atol=1e-12)
    if decouple:
        assert loss.dim() == 0
        torch.testing.assert_close(
            loss.item(), ref_decouple(deltas, net.adapter.weight.detach()),
            rtol=1e-10, atol=1e-12)
    else:
        assert loss is None


def test_rollout_matches_reference_with_layer_norm():
    net = _net(decouple=True, layer_norm=True)
    frames = _frames(seed=4)
    mask = _masks()['random']
    preds, loss = net(frames, mask, return_decouple_loss=True)
    exp, deltas, _ = ref_rollout(net.state_dict(), frames, mask, LAYERS,
                                 layer_norm=True)
    torch.testing.assert_close(preds, exp, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(
        loss.item(), ref_decouple(deltas, net.adapter.weight.detach()),
        rtol=1e-10, atol=1e-12)


def test_random_mask_per_sample_and_step():
    """A random 0/1 mask per (sample, step) on a batch of 4: each sample
    follows its own mask, i.e. equals a batch-of-one reference rollout."""
    net = _net(decouple=False)
    frames = _frames(seed=21, b=4)
    gen = torch.Generator().manual_seed(5)
    mask = torch.randint(0, 2, (4, T - 1), generator=gen).double()
    mask[:, 0] = 1
    with torch.no_grad():
        preds, _ = net(frames, mask)
        for s in range(4):
            exp, _, _ = ref_rollout(net.state_dict(), frames[s:s + 1],
                                    mask[s:s + 1], LAYERS)
            torch.testing.assert_close(preds[s:s + 1], exp, rtol=1e-10,
                                       atol=1e-12)


def _record_cells(net, monkeypatch):
    """Wrap every cell's forward to record what it receives and returns."""
    calls = []
    for layer, cell in enumerate(net.cell_list):
        orig = cell.forward

        def spy(x, h, c, m, _orig=orig, _layer=layer):
            out = _orig(x, h, c, m)
            calls.append(dict(layer=_layer, x=x, h=h, c=c, m=m, out=out))
            return out

        monkeypatch.setattr(cell, 'forward', spy)
    return calls


@pytest.mark.parametrize('mask_name', ['ones', 'after_k', 'random'])
def test_zigzag_memory_path(mask_name, monkeypatch):
    net = _net(decouple=True)
    calls = _record_cells(net, monkeypatch)
    frames = _frames(seed=2)
    mask = _masks()[mask_name]
    with torch.no_grad():
        preds, _ = net(frames, mask)
    assert [c['layer'] for c in calls] == list(range(LAYERS)) * (T - 1)
    for t in range(T - 1):
        for layer in range(LAYERS):
            call = calls[t * LAYERS + layer]
            if t == 0 and layer == 0:
                # all states start at zero (None: the cell skips the
                # convolutions of zeros)
                assert call['m'] is None
            elif layer == 0:
                # layer 0 at step t gets the top layer's m of step t-1
                src = calls[(t - 1) * LAYERS + LAYERS - 1]['out'][2]
                assert call['m'] is src
                # ... and NOT its own m of step t-1
                own = calls[(t - 1) * LAYERS]['out'][2]
                assert not torch.equal(call['m'], own)
            else:
                # layer l > 0 gets layer l-1's m of the same step
                src = calls[t * LAYERS + layer - 1]['out'][2]
                assert call['m'] is src
            if t == 0:
                assert call['h'] is None and call['c'] is None
            else:
                prev = calls[(t - 1) * LAYERS + layer]['out']
                assert call['h'] is prev[0] and call['c'] is prev[1]
            if layer > 0:
                # input of layer l is h of layer l-1 at the same step
                assert call['x'] is calls[t * LAYERS + layer - 1]['out'][0]
        # output: conv_out on the top layer's h of step t
        top_h = calls[t * LAYERS + LAYERS - 1]['out'][0]
        exp = torch.nn.functional.conv2d(top_h, net.conv_last.weight)
        torch.testing.assert_close(preds[:, t], exp, rtol=0, atol=0)


def test_core_inputs_follow_the_mask(monkeypatch):
    """Layer 0's input: x[0] at step 0; x[t] where the mask is 1 and the
    previous prediction x_hat[t] where it is 0 (per sample)."""
    net = _net(decouple=False)
    calls = _record_cells(net, monkeypatch)
    frames = _frames(seed=3)
    for name in ('ones', 'after_k', 'random'):
        calls.clear()
        mask = _masks()[name]
        with torch.no_grad():
            preds, _ = net(frames, mask)
        inputs = [calls[t * LAYERS]['x'] for t in range(T - 1)]
        torch.testing.assert_close(inputs[0], frames[:, 0], rtol=0, atol=0)
        for t in range(1, T - 1):
            for s in range(B):
                want = frames[s, t] if mask[s, t] == 1 else preds[s, t - 1]
                torch.testing.assert_close(inputs[t][s], want, rtol=0,
                                           atol=0)
        if name == 'ones':
            for t in range(T - 1):
                torch.testing.assert_close(inputs[t], frames[:, t], rtol=0,
                                           atol=0)


def test_step0_ignores_mask_and_future_frames_unused_when_masked():
    net = _net(decouple=False)
    frames = _frames(seed=6)
    mask = _masks()['inference']
    mask0 = mask.clone()
    mask0[:, 0] = 0  # step 0 always takes x[0]
    other = frames.clone()
    other[:, T_IN:] = 0.123  # future frames are never selected
    with torch.no_grad():
        a, _ = net(frames, mask)
        b, _ = net(frames, mask0)
        c, _ = net(other, mask)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    torch.testing.assert_close(a, c, rtol=0, atol=0)
    # the last frame x[T-1] is only a target, never an input
    last = frames.clone()
    last[:, -1] = 7.0
    with torch.no_grad():
        d, _ = net(last, torch.ones(B, T - 1, dtype=torch.float64))
        e, _ = net(frames, torch.ones(B, T - 1, dtype=torch.float64))
    torch.testing.assert_close(d, e, rtol=0, atol=0)


def test_decouple_loss_is_mean_over_steps_layers_samples_channels(
        monkeypatch):
    """Recorded dC/dM of every cell call, through the adapter, |cos| per
    (sample, channel), averaged: equals the network's loss."""
    net = _net(decouple=True)
    calls = _record_cells(net, monkeypatch)
    frames = _frames(seed=8)
    mask = _masks()['random']
    _, loss = net(frames, mask, return_decouple_loss=True)
    steps = [[(calls[t * LAYERS + l]['out'][3].detach(),
               calls[t * LAYERS + l]['out'][4].detach())
              for l in range(LAYERS)] for t in range(T - 1)]
    exp = ref_decouple(steps, net.adapter.weight.detach())
    torch.testing.assert_close(loss.item(), exp, rtol=1e-10, atol=1e-12)
    # it is a mean, not a sum: within [0, 1]
    assert 0.0 <= loss.item() <= 1.0
    # and it trains the adapter and the cells
    loss.backward()
    assert net.adapter.weight.grad.abs().sum() > 0
    assert net.cell_list[0].conv_x[0].weight.grad.abs().sum() > 0


def test_parameter_names_follow_spec7():
    net = _net(decouple=True)
    shapes = {n: tuple(p.shape) for n, p in net.named_parameters()}
    expected = {'conv_last.weight': (CIN, CH, 1, 1),
                'adapter.weight': (CH, CH, 1, 1)}
    for l in range(LAYERS):
        cin = CIN if l == 0 else CH
        expected.update({
            f'cell_list.{l}.conv_x.0.weight': (7 * CH, cin, K, K),
            f'cell_list.{l}.conv_h.0.weight': (4 * CH, CH, K, K),
            f'cell_list.{l}.conv_m.0.weight': (3 * CH, CH, K, K),
            f'cell_list.{l}.conv_o.0.weight': (CH, 2 * CH, K, K),
            f'cell_list.{l}.conv_last.weight': (CH, 2 * CH, 1, 1),
        })
    assert shapes == expected
    v1 = {n for n, _ in _net(decouple=False).named_parameters()}
    assert v1 == set(expected) - {'adapter.weight'}


def test_unequal_hidden_sizes_are_rejected():
    with pytest.raises(ValueError, match='same hidden size'):
        PredRNNNet(CIN, [4, 8], decouple=True)
    with pytest.raises(ValueError):
        PredRNNNet(CIN, [4, 4, 2])
    with pytest.raises(ValueError):
        PredRNNNet(CIN, [])
    # an explicit list of equal sizes is fine
    net = PredRNNNet(CIN, [4, 4], kernel_size=3)
    assert len(net.cell_list) == 2


def test_bad_mask_shape_and_decouple_flag():
    net = _net(decouple=False)
    frames = _frames()
    with pytest.raises(ValueError, match=r'\(B, T-1\)'):
        net(frames, torch.ones(B, T, dtype=torch.float64))
    with pytest.raises(ValueError, match='decouple'):
        net(frames, torch.ones(B, T - 1, dtype=torch.float64),
            return_decouple_loss=True)


def test_registered():
    net = MODELS.build(dict(type='PredRNNNet', in_channels=4, num_hidden=4,
                            num_layers=2, kernel_size=3, decouple=True))
    assert isinstance(net, PredRNNNet) and hasattr(net, 'adapter')


@pytest.mark.parametrize('channels_last', [False, True])
def test_memory_layout_is_the_same_function(channels_last):
    """Both memory formats match the reference rollout."""
    net = _net()
    net.memory_format = (torch.channels_last if channels_last
                         else torch.contiguous_format)
    frames, mask = _frames(), _random_mask()
    preds, loss = net(frames, mask, return_decouple_loss=True)
    exp, deltas, _ = ref_rollout(net.state_dict(), frames, mask, LAYERS)
    torch.testing.assert_close(preds, exp, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(
        loss.item(), ref_decouple(deltas, net.adapter.weight.detach()),
        rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('decouple', [False, True])
def test_activation_checkpointing_same_loss_and_gradients(decouple):
    """Recomputing each step in backward changes memory, not the math."""
    frames, mask = _frames(), _random_mask()
    results = []
    for checkpointed in (False, True):
        net = _net(decouple=decouple)
        net.activation_checkpointing = checkpointed
        preds, cos = net(frames, mask, return_decouple_loss=decouple)
        loss = ((preds - frames[:, 1:])**2).mean()
        if decouple:
            loss = loss + 0.1 * cos
        loss.backward()
        results.append((loss.detach(),
                        {n: p.grad.clone() for n, p in net.named_parameters()}))
    (loss_a, grads_a), (loss_b, grads_b) = results
    torch.testing.assert_close(loss_a, loss_b, rtol=1e-12, atol=0)
    assert grads_a.keys() == grads_b.keys()
    for name in grads_a:
        torch.testing.assert_close(grads_a[name], grads_b[name], rtol=1e-10,
                                   atol=1e-12, msg=name)
    assert any(g.abs().sum() > 0 for g in grads_a.values())


def test_activation_checkpointing_stores_less():
    """Tensors kept for backward: every step recomputed, only the states
    between steps stay (counted through autograd's saved-tensor hooks)."""
    frames, mask = _frames(b=2), _random_mask()

    def saved_bytes(checkpointed):
        net = _net()
        net.activation_checkpointing = checkpointed
        seen = {}

        def pack(t):
            seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            net(frames, mask, return_decouple_loss=True)
        return sum(seen.values())

    assert saved_bytes(True) < 0.5 * saved_bytes(False)


@pytest.mark.parametrize('shape', [(B, T), (B + 1, T - 1), (T - 1,)])
def test_mask_of_the_wrong_shape_is_refused(shape):
    with pytest.raises(ValueError,
                       match=r'gt_mask must have shape \(B, T-1\)'):
        _net()(_frames(), torch.ones(shape, dtype=torch.float64))

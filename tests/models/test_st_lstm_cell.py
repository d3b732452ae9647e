"""ST-LSTM cells against the equations of docs/en/model.md.

The expectation is computed by ``_spec_reference.ref_cell`` (``F.conv2d``
with the module's weights read by their docs/en/model.md names, sigmoid/tanh
written out), never by the cells themselves.
"""
import pytest
import torch

from _spec_reference import (cell_params, randomise_layer_norms, ref_cell,
                             sig)
from predrnn.models import SpatioTemporalLSTMCell, SpatioTemporalLSTMCellV2
from predrnn.registry import MODELS

CIN, CH, K = 3, 4, 3
HS, WS = 4, 6  # non-square state size


def _inputs(seed=0, b=2, hs=HS, ws=WS):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(b, CIN, hs, ws, generator=gen, dtype=torch.float64)
    h, c, m = (torch.randn(b, CH, hs, ws, generator=gen, dtype=torch.float64)
               for _ in range(3))
    return x, h, c, m


def _cell(cls, layer_norm=False, seed=0):
    torch.manual_seed(seed)
    cell = cls(CIN, CH, K, layer_norm=layer_norm,
               spatial_size=(HS, WS) if layer_norm else None).double()
    if layer_norm:
        assert randomise_layer_norms(cell) == 4
    return cell


@pytest.mark.parametrize('layer_norm', [False, True])
def test_v1_cell_matches_spec(layer_norm):
    cell = _cell(SpatioTemporalLSTMCell, layer_norm)
    x, h, c, m = _inputs()
    out = cell(x, h, c, m)
    assert isinstance(out, tuple) and len(out) == 3
    exp = ref_cell(cell_params(cell.state_dict(), layer_norm=layer_norm), x,
                   h, c, m)
    for got, want in zip(out, exp[:3]):
        assert got.shape == (2, CH, HS, WS)
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('layer_norm', [False, True])
def test_v2_cell_matches_spec_and_returns_increments(layer_norm):
    cell = _cell(SpatioTemporalLSTMCellV2, layer_norm)
    x, h, c, m = _inputs(seed=3)
    out = cell(x, h, c, m)
    assert isinstance(out, tuple) and len(out) == 5
    exp = ref_cell(cell_params(cell.state_dict(), layer_norm=layer_norm), x,
                   h, c, m)
    for got, want in zip(out, exp):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)
    # dC and dM are the increments: c' - f*c and m' - f'*m are not c', m'
    assert not torch.allclose(out[3], out[1])
    assert not torch.allclose(out[4], out[2])


def test_v1_and_v2_are_the_same_function():
    v1 = _cell(SpatioTemporalLSTMCell)
    v2 = _cell(SpatioTemporalLSTMCellV2)
    v2.load_state_dict(v1.state_dict())
    x, h, c, m = _inputs(seed=5)
    for a, b in zip(v1(x, h, c, m), v2(x, h, c, m)[:3]):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_layer_norm_is_used_after_each_conv():
    """With perturbed LN weights, the reference WITHOUT LN must disagree
    (so the previous test would catch a missing LayerNorm), and dropping any
    single LN from the reference must disagree too."""
    cell = _cell(SpatioTemporalLSTMCellV2, layer_norm=True)
    x, h, c, m = _inputs(seed=7)
    out = cell(x, h, c, m)
    params = cell_params(cell.state_dict(), layer_norm=True)
    for name in ('conv_x', 'conv_h', 'conv_m', 'conv_o'):
        crippled = dict(params)
        crippled[name] = (params[name][0], None)
        exp = ref_cell(crippled, x, h, c, m)
        assert not torch.allclose(out[0], exp[0], atol=1e-6), name


def test_layer_norm_shapes_non_square():
    cell = _cell(SpatioTemporalLSTMCell, layer_norm=True)
    shapes = {n: tuple(p.shape) for n, p in cell.named_parameters()}
    assert shapes['conv_x.1.weight'] == (7 * CH, HS, WS)
    assert shapes['conv_h.1.weight'] == (4 * CH, HS, WS)
    assert shapes['conv_m.1.weight'] == (3 * CH, HS, WS)
    assert shapes['conv_o.1.weight'] == (CH, HS, WS)
    assert shapes['conv_o.1.bias'] == (CH, HS, WS)


def test_layer_norm_needs_spatial_size():
    with pytest.raises(ValueError, match='spatial_size'):
        SpatioTemporalLSTMCell(CIN, CH, K, layer_norm=True)


@pytest.mark.parametrize('layer_norm', [False, True])
def test_parameter_names_and_shapes_follow_spec7(layer_norm):
    cell = _cell(SpatioTemporalLSTMCellV2, layer_norm)
    shapes = {n: tuple(p.shape) for n, p in cell.named_parameters()}
    expected = {
        'conv_x.0.weight': (7 * CH, CIN, K, K),
        'conv_h.0.weight': (4 * CH, CH, K, K),
        'conv_m.0.weight': (3 * CH, CH, K, K),
        'conv_o.0.weight': (CH, 2 * CH, K, K),
        'conv_last.weight': (CH, 2 * CH, 1, 1),
    }
    if layer_norm:
        for name, n in (('conv_x', 7), ('conv_h', 4), ('conv_m', 3),
                        ('conv_o', 1)):
            expected[f'{name}.1.weight'] = (n * CH, HS, WS)
            expected[f'{name}.1.bias'] = (n * CH, HS, WS)
    # exactly these: no conv biases, no learnable forget bias
    assert shapes == expected
    assert list(dict(cell.named_buffers())) == []
    assert set(cell.state_dict()) == set(expected)


def test_forget_bias_is_the_constant_one():
    """With every weight zero: i = 1/2, g = 0, so dC = 0 and
    c' = sig(0 + 0 + 1) * c exactly; likewise m' = sig(1) * m; o = 1/2 and
    h' = 1/2 * tanh(0) = 0."""
    cell = _cell(SpatioTemporalLSTMCellV2)
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
    x, h, c, m = _inputs(seed=11)
    h2, c2, m2, d_c, d_m = cell(x, h, c, m)
    f = 1.0 / (1.0 + torch.exp(torch.tensor(-1.0, dtype=torch.float64)))
    torch.testing.assert_close(c2, f * c, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(m2, f * m, rtol=1e-12, atol=1e-12)
    assert not d_c.any() and not d_m.any() and not h2.any()
    # and the bias stays 1.0 whatever the weights: not a parameter to train
    assert not any(p.numel() == 1 for p in cell.parameters())


def test_output_gate_uses_new_memories():
    """o depends on conv_o([c', m']): changing conv_o changes h' but not
    c' / m'."""
    cell = _cell(SpatioTemporalLSTMCellV2)
    x, h, c, m = _inputs(seed=13)
    before = cell(x, h, c, m)
    with torch.no_grad():
        cell.conv_o[0].weight.mul_(3.0)
    after = cell(x, h, c, m)
    torch.testing.assert_close(before[1], after[1], rtol=0, atol=0)
    torch.testing.assert_close(before[2], after[2], rtol=0, atol=0)
    assert not torch.allclose(before[0], after[0])
    exp = ref_cell(cell_params(cell.state_dict()), x, h, c, m)
    torch.testing.assert_close(after[0], exp[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('hs,ws', [(3, 7), (8, 5)])
def test_non_square_sizes_without_norm(hs, ws):
    cell = _cell(SpatioTemporalLSTMCellV2)
    x, h, c, m = _inputs(seed=17, hs=hs, ws=ws)
    out = cell(x, h, c, m)
    exp = ref_cell(cell_params(cell.state_dict()), x, h, c, m)
    for got, want in zip(out, exp):
        assert got.shape == (2, CH, hs, ws)
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@torch.no_grad()
def test_gate_split_order():
    """Put a large value in exactly one chunk of conv_x's output (via a
    1-channel input and a weight that only feeds chunk k) and check the
    effect named by the documented order i, f, g, i', f', g', o."""
    torch.manual_seed(0)
    cell = SpatioTemporalLSTMCellV2(1, 1, 1).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
    x = torch.ones(1, 1, 1, 1, dtype=torch.float64)
    h = torch.zeros_like(x)
    c = torch.full_like(x, 0.5)
    m = torch.full_like(x, 0.25)
    for k in range(7):
        with torch.no_grad():
            cell.conv_x[0].weight.zero_()
            cell.conv_x[0].weight[k] = 2.0
        exp = ref_cell(cell_params(cell.state_dict()), x, h, c, m)
        got = cell(x, h, c, m)
        for a, b in zip(got, exp):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    # spot check: chunk 2 is g -> dC = sig(0) * tanh(2) = tanh(2) / 2
    with torch.no_grad():
        cell.conv_x[0].weight.zero_()
        cell.conv_x[0].weight[2] = 2.0
    d_c = cell(x, h, c, m)[3]
    torch.testing.assert_close(float(d_c), 0.5 * float(torch.tanh(
        torch.tensor(2.0, dtype=torch.float64))))
    # chunk 5 is g' -> dM = tanh(2) / 2, dC = 0
    with torch.no_grad():
        cell.conv_x[0].weight.zero_()
        cell.conv_x[0].weight[5] = 2.0
    out = cell(x, h, c, m)
    assert float(out[3]) == 0.0
    torch.testing.assert_close(float(out[4]), 0.5 * float(torch.tanh(
        torch.tensor(2.0, dtype=torch.float64))))
    # sanity of the written-out sigmoid
    torch.testing.assert_close(sig(torch.tensor(0.0)), torch.tensor(0.5))


def test_cells_are_registered():
    cell = MODELS.build(dict(type='SpatioTemporalLSTMCellV2', in_channels=2,
                             num_hidden=4, kernel_size=3))
    assert isinstance(cell, SpatioTemporalLSTMCellV2)
    assert isinstance(MODELS.build(dict(type='SpatioTemporalLSTMCell',
                                        in_channels=2, num_hidden=4)),
                      SpatioTemporalLSTMCell)


@pytest.mark.parametrize('layer_norm', [False, True])
@pytest.mark.parametrize('missing', ['h', 'c', 'm', 'hcm'])
def test_none_state_is_zero_state(layer_norm, missing):
    """``None`` (the first step) is the same function as an all-zero state;
    without layer norm the convolutions of zeros are skipped."""
    cell = _cell(SpatioTemporalLSTMCellV2, layer_norm)
    x, h, c, m = _inputs()
    zero = dict(h=h, c=c, m=m)
    given = dict(h=h, c=c, m=m)
    for name in missing:
        zero[name] = torch.zeros_like(zero[name])
        given[name] = None
    exp = cell(x, **zero)
    calls = []
    for conv in (cell.conv_h, cell.conv_m):
        conv.register_forward_hook(lambda mod, inp, out: calls.append(mod))
    out = cell(x, **given)
    for a, b in zip(out, exp):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    if not layer_norm:
        assert (cell.conv_h in calls) == ('h' not in missing)
        assert (cell.conv_m in calls) == ('m' not in missing)

"""Tests of the naive baseline (tools/analysis_tools/baseline_predrnn.py).

Expected values are computed here from docs/en/model.md, independently of the
code under test.
"""
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

_PATH = (Path(__file__).resolve().parents[2] / 'tools' / 'analysis_tools' /
         'baseline_predrnn.py')
_spec = importlib.util.spec_from_file_location('baseline_predrnn', _PATH)
bp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bp)

# tiny configuration: 2 layers of 8, kernel 3, patch 2, 8x12 frames, T = 4+3
LAYERS, HIDDEN, K, P, C, H, W, T_IN, T_OUT = 2, 8, 3, 2, 1, 8, 12, 4, 3
T = T_IN + T_OUT
HP, WP, CP = H // P, W // P, P * P * C


def _tiny(v2=True, layer_norm=False, **kwargs):
    torch.manual_seed(0)
    return bp.build_baseline(num_layers=LAYERS, num_hidden=HIDDEN,
                             kernel_size=K, patch_size=P, frame_channels=C,
                             height=H, width=W, in_frames=T_IN,
                             out_frames=T_OUT, layer_norm=layer_norm, v2=v2,
                             **kwargs)


def _randomise_layer_norms(module):
    gen = torch.Generator().manual_seed(1)
    for m in module.modules():
        if isinstance(m, torch.nn.LayerNorm):
            with torch.no_grad():
                m.weight.copy_(1 + 0.5 * torch.randn(m.weight.shape,
                                                     generator=gen))
                m.bias.copy_(0.5 * torch.randn(m.bias.shape, generator=gen))


# ---------------------------------------------------------------------------
# cell
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('layer_norm', [False, True])
def test_cell_matches_spec_equations(layer_norm):
    torch.manual_seed(0)
    cin, ch = CP, HIDDEN
    cell = bp.SpatioTemporalLSTMCell(cin, ch, HP, WP, K, 1, layer_norm)
    _randomise_layer_norms(cell)
    x = torch.randn(3, cin, HP, WP)
    h, c, m = (torch.randn(3, ch, HP, WP) for _ in range(3))

    def conv(name, inp):
        seq = getattr(cell, name)
        out = F.conv2d(inp, seq[0].weight, padding=K // 2)
        if layer_norm:
            ln = seq[1]
            out = F.layer_norm(out, out.shape[1:], ln.weight, ln.bias,
                               ln.eps)
        return out

    def parts(t, n):
        return [t[:, j * ch:(j + 1) * ch] for j in range(n)]

    i_x, f_x, g_x, ip_x, fp_x, gp_x, o_x = parts(conv('conv_x', x), 7)
    i_h, f_h, g_h, o_h = parts(conv('conv_h', h), 4)
    i_m, f_m, g_m = parts(conv('conv_m', m), 3)
    d_c = torch.sigmoid(i_x + i_h) * torch.tanh(g_x + g_h)
    c_new = torch.sigmoid(f_x + f_h + 1.0) * c + d_c
    d_m = torch.sigmoid(ip_x + i_m) * torch.tanh(gp_x + g_m)
    m_new = torch.sigmoid(fp_x + f_m + 1.0) * m + d_m
    cm = torch.cat([c_new, m_new], 1)
    o = torch.sigmoid(o_x + o_h + conv('conv_o', cm))
    h_new = o * torch.tanh(F.conv2d(cm, cell.conv_last.weight))

    got = cell(x, h, c, m)
    assert len(got) == 5
    for g, e in zip(got, (h_new, c_new, m_new, d_c, d_m)):
        torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-6)


def test_cell_has_no_biases_and_constant_forget_bias():
    cell = bp.SpatioTemporalLSTMCell(CP, HIDDEN, HP, WP, K)
    names = [n for n, _ in cell.named_parameters()]
    assert names == ['conv_x.0.weight', 'conv_h.0.weight', 'conv_m.0.weight',
                     'conv_o.0.weight', 'conv_last.weight']
    assert cell._forget_bias == 1.0


# ---------------------------------------------------------------------------
# network: structure checked with hooks against docs/en/model.md
# ---------------------------------------------------------------------------
def _record(model):
    calls = []

    def hook(idx):

        def fn(mod, inputs, outputs):
            calls.append((idx, [t.detach() for t in inputs],
                          [t.detach() for t in outputs]))

        return fn

    handles = [
        cell.register_forward_hook(hook(i))
        for i, cell in enumerate(model.cell_list)
    ]
    return calls, handles


def _data(seed=0):
    gen = torch.Generator().manual_seed(seed)
    frames = torch.rand(2, T, HP, WP, CP, generator=gen)
    return frames


@pytest.mark.parametrize('v2', [True, False])
def test_network_zigzag_inputs_and_loss(v2):
    model = _tiny(v2=v2)
    frames = _data()
    rng = np.random.default_rng(0)
    if v2:
        mask = bp.reserve_schedule_sampling_exp(
            0, 2, T_IN, T, H, W, C, P, rng=rng)
        assert mask.shape == (2, T - 2, HP, WP, CP)
    else:
        _, mask = bp.schedule_sampling(0.5, 1, 2, T_IN, T, H, W, C, P,
                                       rng=rng)
        assert mask.shape == (2, T_OUT - 1, HP, WP, CP)
    mask = torch.from_numpy(mask)
    calls, handles = _record(model)
    next_frames, loss = model(frames, mask)
    for hd in handles:
        hd.remove()

    assert next_frames.shape == (2, T - 1, HP, WP, CP)
    assert len(calls) == (T - 1) * LAYERS
    frames_cf = frames.permute(0, 1, 4, 2, 3)
    mask_cf = mask.permute(0, 1, 4, 2, 3)
    pred_cf = next_frames.permute(0, 1, 4, 2, 3)
    decouple = []
    for t in range(T - 1):
        for layer in range(LAYERS):
            idx, (x, h, c, m), (h2, c2, m2, dc, dm) = calls[t * LAYERS +
                                                            layer]
            assert idx == layer
            # layer input
            if layer == 0:
                if t == 0 or (not v2 and t < T_IN):
                    exp_x = frames_cf[:, t]
                else:
                    mk = mask_cf[:, t - 1] if v2 else mask_cf[:, t - T_IN]
                    exp_x = mk * frames_cf[:, t] + (1 - mk) * pred_cf[:,
                                                                      t - 1]
            else:
                exp_x = calls[t * LAYERS + layer - 1][2][0]
            torch.testing.assert_close(x, exp_x)
            # own h, c from the previous step
            if t == 0:
                assert not h.any() and not c.any()
            else:
                prev = calls[(t - 1) * LAYERS + layer][2]
                torch.testing.assert_close(h, prev[0])
                torch.testing.assert_close(c, prev[1])
            # zigzag memory
            if t == 0 and layer == 0:
                assert not m.any()
            else:
                torch.testing.assert_close(m, calls[t * LAYERS + layer - 1][2]
                                           [2])
            if v2:
                a = F.conv2d(dc, model.adapter.weight).flatten(2)
                b = F.conv2d(dm, model.adapter.weight).flatten(2)
                a = a / a.norm(dim=2, keepdim=True).clamp_min(1e-12)
                b = b / b.norm(dim=2, keepdim=True).clamp_min(1e-12)
                decouple.append((a * b).sum(2).abs())
        # output of step t predicts frame t+1
        top_h = calls[t * LAYERS + LAYERS - 1][2][0]
        torch.testing.assert_close(pred_cf[:, t],
                                   F.conv2d(top_h, model.conv_last.weight))

    mse = ((next_frames - frames[:, 1:])**2).mean()
    if v2:
        expected = mse + 0.1 * torch.stack(decouple).mean()
    else:
        expected = mse
    torch.testing.assert_close(loss, expected.detach(), rtol=1e-5, atol=1e-7)


def test_inference_masks_agree_between_conventions():
    """RSS and SS test masks both mean: GT encoder, predicted decoder."""
    rss = _tiny(v2=True)
    ss = _tiny(v2=True)
    ss.reverse_scheduled_sampling = False
    ss.load_state_dict(rss.state_dict())
    frames = _data(1)
    m_rss = torch.from_numpy(bp.inference_mask(2, T_IN, T, H, W, C, P, True))
    m_ss = torch.from_numpy(bp.inference_mask(2, T_IN, T, H, W, C, P, False))
    assert m_rss.shape == (2, T - 2, HP, WP, CP)
    assert m_ss.shape == (2, T_OUT - 1, HP, WP, CP)
    assert (m_rss[:, :T_IN - 1] == 1).all() and (m_rss[:, T_IN - 1:] == 0
                                                 ).all()
    assert (m_ss == 0).all()
    with torch.no_grad():
        out_a, loss_a = rss(frames, m_rss)
        out_b, loss_b = ss(frames, m_ss)
    torch.testing.assert_close(out_a, out_b)
    torch.testing.assert_close(loss_a, loss_b)
    # decoder predictions do not depend on the future ground truth
    future = frames.clone()
    future[:, T_IN:] = torch.rand_like(future[:, T_IN:])
    with torch.no_grad():
        out_c, _ = rss(future, m_rss)
    torch.testing.assert_close(out_c, out_a)


def test_layer_norm_network_runs_non_square():
    model = _tiny(layer_norm=True)
    mask = torch.from_numpy(bp.inference_mask(2, T_IN, T, H, W, C, P))
    out, loss = model(_data(), mask)
    assert out.shape == (2, T - 1, HP, WP, CP) and loss.ndim == 0
    loss.backward()
    assert model.adapter.weight.grad is not None


def test_invalid_arguments():
    with pytest.raises(ValueError, match='hidden'):
        bp.RNN(2, [8, 16], P, C, H, W, T_IN, T)
    with pytest.raises(ValueError, match='divisible'):
        bp.RNN(2, 8, 3, C, H, W, T_IN, T)
    model = _tiny()
    bad = torch.zeros(2, T_OUT - 1, HP, WP, CP)
    with pytest.raises(ValueError, match='mask'):
        model(_data(), bad)
    with pytest.raises(ValueError, match='divisible'):
        bp.reshape_patch(np.zeros((1, 1, 5, 4, 1)), 2)


# ---------------------------------------------------------------------------
# patching
# ---------------------------------------------------------------------------
def test_reshape_patch_channel_order_and_round_trip():
    b, t, h, w, c, p = 2, 3, 6, 8, 3, 2
    img = np.zeros((b, t, h, w, c), dtype=np.int64)
    for bi in range(b):
        for ti in range(t):
            for r in range(h):
                for col in range(w):
                    for ch in range(c):
                        img[bi, ti, r, col, ch] = ((
                            (bi * t + ti) * h + r) * w + col) * c + ch
    patched = bp.reshape_patch(img, p)
    assert patched.shape == (b, t, h // p, w // p, p * p * c)
    for hp in range(h // p):
        for wp in range(w // p):
            for i in range(p):
                for j in range(p):
                    for ch in range(c):
                        np.testing.assert_array_equal(
                            patched[:, :, hp, wp, (i * p + j) * c + ch],
                            img[:, :, hp * p + i, wp * p + j, ch])
    np.testing.assert_array_equal(bp.reshape_patch_back(patched, p), img)


# ---------------------------------------------------------------------------
# sampling masks
# ---------------------------------------------------------------------------
S1, S2, ALPHA = 25000, 50000, 2500
BIG = 6000  # samples per step; 4 sigma of a mean over >= 2 steps < 0.02


def _rss(itr, rng, batch=BIG):
    return bp.reserve_schedule_sampling_exp(itr, batch, T_IN, T, H, W, C, P,
                                            S1, S2, ALPHA, rng=rng)


def _check_constant(mask):
    assert mask.dtype == np.float32
    flat = mask.reshape(mask.shape[0], mask.shape[1], -1)
    assert (flat == flat[..., :1]).all()
    assert set(np.unique(flat)) <= {0.0, 1.0}


@pytest.mark.parametrize('itr', [0, S1 // 2, S1, (S1 + S2) // 2, S2 - 1000])
def test_rss_probabilities(itr):
    mask = _rss(itr, np.random.default_rng(itr))
    assert mask.shape == (BIG, T - 2, HP, WP, CP)
    _check_constant(mask)
    if itr < S1:
        r_eta, eta = 0.5, 0.5
    else:
        r_eta = 1 - 0.5 * math.exp(-(itr - S1) / ALPHA)
        eta = 0.5 - 0.5 * (itr - S1) / (S2 - S1)
    enc = mask[:, :T_IN - 1, 0, 0, 0].mean()
    dec = mask[:, T_IN - 1:, 0, 0, 0].mean()
    assert abs(enc - r_eta) < 0.02
    assert abs(dec - eta) < 0.02


@pytest.mark.parametrize('itr', [S2, S2 + 1, 10 * S2])
def test_rss_exact_after_s2(itr):
    mask = _rss(itr, np.random.default_rng(0), batch=64)
    assert (mask[:, :T_IN - 1] == 1).all()
    assert (mask[:, T_IN - 1:] == 0).all()


def test_rss_uses_global_numpy_state_without_rng():
    np.random.seed(3)
    a = _rss(0, None, batch=16)
    np.random.seed(3)
    b = _rss(0, None, batch=16)
    np.testing.assert_array_equal(a, b)


def _ss(eta, itr, rng, batch=BIG, **kwargs):
    return bp.schedule_sampling(eta, itr, batch, T_IN, T, H, W, C, P,
                                rng=rng, **kwargs)


def test_ss_eta_schedule():
    rate = 2e-5
    eta = 1.0
    for itr in range(1, 1001):
        eta, _ = _ss(eta, itr, None, batch=1)
    assert eta == pytest.approx(1 - 1000 * rate, abs=1e-9)
    # from the stop iteration on the probability is exactly 0
    eta, mask = _ss(0.7, 50000, np.random.default_rng(0), batch=64)
    assert eta == 0.0 and (mask == 0).all()
    assert mask.shape == (64, T_OUT - 1, HP, WP, CP)
    # never negative
    eta, mask = _ss(1e-6, 10, np.random.default_rng(0), batch=64)
    assert eta == 0.0 and (mask == 0).all()


def test_ss_probabilities():
    # probability exactly 1: eta stays 1.0 when the rate is 0
    eta, mask = _ss(1.0, 1, np.random.default_rng(0), batch=64,
                    sampling_changing_rate=0.0)
    assert eta == 1.0 and (mask == 1).all()
    # large-batch mean
    eta, mask = _ss(0.3 + 2e-5, 7, np.random.default_rng(1))
    _check_constant(mask)
    assert eta == pytest.approx(0.3)
    assert abs(mask[:, :, 0, 0, 0].mean() - 0.3) < 0.02
    # disabled
    eta, mask = _ss(0.9, 7, None, batch=4, scheduled_sampling=False)
    assert eta == 0.0 and (mask == 0).all()
    assert mask.shape == (4, T_OUT - 1, HP, WP, CP)


# ---------------------------------------------------------------------------
# checkpoint layout of the paper model (docs/en/model.md)
# ---------------------------------------------------------------------------
def _expected_keys(ch=128, k=5, p=4, c=1, layers=4, v2=True,
                   layer_norm=False, hw=16):
    shapes = {}
    for i in range(layers):
        cin = p * p * c if i == 0 else ch
        pre = f'cell_list.{i}.'
        for name, shape in (('conv_x', (7 * ch, cin, k, k)),
                            ('conv_h', (4 * ch, ch, k, k)),
                            ('conv_m', (3 * ch, ch, k, k)),
                            ('conv_o', (ch, 2 * ch, k, k))):
            shapes[pre + name + '.0.weight'] = shape
            if layer_norm:
                shapes[pre + name + '.1.weight'] = (shape[0], hw, hw)
                shapes[pre + name + '.1.bias'] = (shape[0], hw, hw)
        shapes[pre + 'conv_last.weight'] = (ch, 2 * ch, 1, 1)
    shapes['conv_last.weight'] = (p * p * c, ch, 1, 1)
    if v2:
        shapes['adapter.weight'] = (ch, ch, 1, 1)
    return shapes


@pytest.mark.parametrize('v2,layer_norm', [(True, False), (False, False),
                                           (True, True)])
def test_paper_state_dict(v2, layer_norm):
    model = bp.build_baseline(v2=v2, layer_norm=layer_norm)
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert got == _expected_keys(v2=v2, layer_norm=layer_norm)
    n = sum(p.numel() for p in model.parameters())
    if not layer_norm:
        assert n == (23_855_104 if v2 else 23_855_104 - 128 * 128)


def test_save_authors_checkpoint(tmp_path):
    model = _tiny()
    path = bp.save_authors_checkpoint(model, str(tmp_path / 'ckpt'), 80000)
    assert Path(path) == tmp_path / 'ckpt' / 'model.ckpt-80000'
    stats = torch.load(path, map_location='cpu', weights_only=True)
    assert list(stats) == ['net_param']
    other = _tiny()
    with torch.no_grad():
        for prm in other.parameters():
            prm.zero_()
    other.load_state_dict(stats['net_param'])
    for k, v in model.state_dict().items():
        torch.testing.assert_close(other.state_dict()[k], v)

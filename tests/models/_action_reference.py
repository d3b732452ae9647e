"""Independent reference of docs/en/model.md (action-conditioned PredRNN-V2)
for the tests.

Written from the documented equations with ``torch.nn.functional`` and explicit
loops; the
weights are read from a ``state_dict`` by the authors' names
(``cell_list.<l>.conv_a.0.weight``, ``conv_input1.weight`` ...), so a renamed
parameter fails too. Nothing here imports the code under test.
"""
from typing import Dict

import torch
import torch.nn.functional as F

from _spec_reference import FORGET_BIAS, sig, split, tanh


def conv(x, sd, name, stride=1):
    """``name.weight`` (and ``name.bias`` when present), padding k // 2."""
    w = sd[f'{name}.weight']
    return F.conv2d(x, w, sd.get(f'{name}.bias'), stride=stride,
                    padding=w.shape[-1] // 2)


def deconv(x, sd, name, out_hw):
    """Stride-2 transposed convolution, padding k // 2, whose output has the
    size ``out_hw``: the output padding is what the size formula
    ``(n - 1) * 2 - 2 * pad + k`` misses."""
    w = sd[f'{name}.weight']
    k = w.shape[-1]
    pad = k // 2
    extra = [o - ((n - 1) * 2 - 2 * pad + k)
             for o, n in zip(out_hw, x.shape[-2:])]
    return F.conv_transpose2d(x, w, stride=2, padding=pad,
                              output_padding=tuple(extra))


def ref_action_cell(sd: Dict[str, torch.Tensor], prefix: str, x, h, c, m, a):
    """docs/en/model.md: the v2 cell with ``conv_h(h) * conv_a(a)`` on the
    hidden path. Returns ``(h', c', m', dC, dM)``."""
    i_x, f_x, g_x, ip_x, fp_x, gp_x, o_x = split(conv(x, sd,
                                                      prefix + 'conv_x.0'), 7)
    hidden = (conv(h, sd, prefix + 'conv_h.0')
              * conv(a, sd, prefix + 'conv_a.0'))
    i_h, f_h, g_h, o_h = split(hidden, 4)
    i_m, f_m, g_m = split(conv(m, sd, prefix + 'conv_m.0'), 3)
    d_c = sig(i_x + i_h) * tanh(g_x + g_h)
    c_new = sig(f_x + f_h + FORGET_BIAS) * c + d_c
    d_m = sig(ip_x + i_m) * tanh(gp_x + g_m)
    m_new = sig(fp_x + f_m + FORGET_BIAS) * m + d_m
    cm = torch.cat([c_new, m_new], dim=1)
    o = sig(o_x + o_h + conv(cm, sd, prefix + 'conv_o.0'))
    h_new = o * tanh(conv(cm, sd, prefix + 'conv_last'))
    return h_new, c_new, m_new, d_c, d_m


def ref_action_rollout(sd: Dict[str, torch.Tensor], frames: torch.Tensor,
                       actions: torch.Tensor, mask: torch.Tensor,
                       num_layers: int, conv_on_input: bool,
                       res_on_conv: bool, prefix: str = ''):
    """docs/en/model.md network (multiplicative fusion) with explicit loops.

    Args:
        sd: weights by the authors' names, optionally under ``prefix``.
        frames: patched clip ``(B, T, C', H', W')``.
        actions: ``(B, T, A)``; step ``t`` reads ``actions[:, t]``.
        mask: ``(B, T-1)`` ground-truth weights.

    Returns:
        predictions ``(B, T-1, C', H', W')`` and the per-step, per-layer
        ``(dC, dM)``.
    """
    sd = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    b, t_total, _, hh, ww = frames.shape
    ch = sd['cell_list.0.conv_h.0.weight'].shape[1]
    preds, deltas = [], []
    h = c = m = None
    for t in range(t_total - 1):
        if t == 0:
            x = frames[:, 0]
        else:
            x = torch.stack([mask[s, t] * frames[s, t]
                             + (1 - mask[s, t]) * preds[-1][s]
                             for s in range(b)])
        a = torch.zeros(b, actions.shape[2], hh, ww)
        for s in range(b):
            for k in range(actions.shape[2]):
                a[s, k] = actions[s, t, k]  # tiled over the grid
        net = x
        if conv_on_input:
            e1 = conv(x, sd, 'conv_input1', stride=2)
            e2 = conv(e1, sd, 'conv_input2', stride=2)
            net = e2
            a = conv(conv(a, sd, 'action_conv_input1', stride=2), sd,
                     'action_conv_input2', stride=2)
        if h is None:
            zeros = torch.zeros(b, ch, *net.shape[-2:])
            h, c, m = [zeros] * num_layers, [zeros] * num_layers, zeros
        step = []
        inp = net
        for layer in range(num_layers):
            h[layer], c[layer], m, d_c, d_m = ref_action_cell(
                sd, f'cell_list.{layer}.', inp, h[layer], c[layer], m, a)
            step.append((d_c, d_m))
            inp = h[layer]
        deltas.append(step)
        if conv_on_input:
            top = h[-1] + e2 if res_on_conv else h[-1]
            y = deconv(top, sd, 'deconv_output1', e1.shape[-2:])
            y = y + e1 if res_on_conv else y
            preds.append(deconv(y, sd, 'deconv_output2', x.shape[-2:]))
        else:
            preds.append(F.conv2d(h[-1], sd['conv_last.weight']))
    return torch.stack(preds, dim=1), deltas


def randomise(module: torch.nn.Module, seed: int = 0, scale: float = 0.3):
    """Give every parameter (biases included) non-trivial random values."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(scale * torch.randn(p.shape, generator=gen))

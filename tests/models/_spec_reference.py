"""Independent reference implementation of docs/en/model.md for the tests.

Nothing here imports the code under test: the equations are written out from
docs/en/model.md with ``torch.nn.functional`` and explicit loops, and the
weights are read from a ``state_dict`` by the checkpoint names of
docs/en/model.md
(``cell_list.<l>.conv_x.0.weight`` ...), so a renamed parameter also fails.
"""
import math
import warnings
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

FORGET_BIAS = 1.0


def sig(z: torch.Tensor) -> torch.Tensor:
    """Logistic sigmoid written out."""
    return 1.0 / (1.0 + torch.exp(-z))


def tanh(z: torch.Tensor) -> torch.Tensor:
    """tanh written out."""
    return 2.0 * sig(2.0 * z) - 1.0


def conv_same(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Stride 1, padding k // 2, no bias.

    oneDNN is switched off here only for speed: it compiles a kernel for
    every new shape, which costs more than these tiny convolutions.
    """
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with torch.backends.mkldnn.flags(enabled=False):
            return F.conv2d(x, weight, padding=weight.shape[-1] // 2)


def cell_params(sd: Dict[str, torch.Tensor], prefix: str = '',
                layer_norm: bool = False) -> Dict[str, Optional[tuple]]:
    """Weights of one cell by the docs/en/model.md names."""
    out = {}
    for name in ('conv_x', 'conv_h', 'conv_m', 'conv_o'):
        w = sd[f'{prefix}{name}.0.weight']
        norm = None
        if layer_norm:
            norm = (sd[f'{prefix}{name}.1.weight'],
                    sd[f'{prefix}{name}.1.bias'])
        out[name] = (w, norm)
    out['conv_last'] = (sd[f'{prefix}conv_last.weight'], None)
    return out


def apply_conv(params, name, x, eps=1e-5):
    w, norm = params[name]
    y = conv_same(x, w)
    if norm is not None:
        # LayerNorm over (channels, H, W) of each sample
        y = F.layer_norm(y, y.shape[1:], norm[0], norm[1], eps)
    return y


def split(t: torch.Tensor, n: int) -> List[torch.Tensor]:
    ch = t.shape[1] // n
    return [t[:, k * ch:(k + 1) * ch] for k in range(n)]


def ref_cell(params, x, h, c, m) -> Tuple[torch.Tensor, ...]:
    """docs/en/model.md: returns ``(h', c', m', dC, dM)``."""
    i_x, f_x, g_x, ip_x, fp_x, gp_x, o_x = split(apply_conv(params, 'conv_x',
                                                            x), 7)
    i_h, f_h, g_h, o_h = split(apply_conv(params, 'conv_h', h), 4)
    i_m, f_m, g_m = split(apply_conv(params, 'conv_m', m), 3)
    i = sig(i_x + i_h)
    f = sig(f_x + f_h + FORGET_BIAS)
    g = tanh(g_x + g_h)
    d_c = i * g
    c_new = f * c + d_c
    ip = sig(ip_x + i_m)
    fp = sig(fp_x + f_m + FORGET_BIAS)
    gp = tanh(gp_x + g_m)
    d_m = ip * gp
    m_new = fp * m + d_m
    cm = torch.cat([c_new, m_new], dim=1)
    o = sig(o_x + o_h + apply_conv(params, 'conv_o', cm))
    h_new = o * tanh(F.conv2d(cm, params['conv_last'][0]))
    return h_new, c_new, m_new, d_c, d_m


def ref_rollout(sd: Dict[str, torch.Tensor], frames: torch.Tensor,
                mask: torch.Tensor, num_layers: int, layer_norm: bool = False,
                prefix: str = '', predict_change: bool = False):
    """docs/en/model.md with explicit loops.

    Args:
        sd: state dict of the network (names ``cell_list.<l>...``,
            ``conv_last.weight``), optionally under ``prefix``.
        frames: patched clip ``(B, T, C', H', W')``.
        mask: ``(B, T-1)`` ground-truth weights.
        predict_change: each prediction is the step's input plus the
            read-out (the change mode) instead of the read-out alone.

    Returns:
        predictions ``(B, T-1, C', H', W')``, list over steps of lists over
        layers of ``(dC, dM)``, list of the core inputs per step.
    """
    b, t_total, _, hh, ww = frames.shape
    params = [cell_params(sd, f'{prefix}cell_list.{l}.', layer_norm)
              for l in range(num_layers)]
    ch = sd[f'{prefix}cell_list.0.conv_h.0.weight'].shape[1]
    zeros = frames.new_zeros(b, ch, hh, ww)
    h = [zeros] * num_layers
    c = [zeros] * num_layers
    m = zeros
    preds, deltas, inputs = [], [], []
    for t in range(t_total - 1):
        if t == 0:
            x = frames[:, 0]
        else:
            x = torch.empty_like(frames[:, 0])
            for s in range(b):
                w = float(mask[s, t])
                x[s] = w * frames[s, t] + (1.0 - w) * preds[-1][s]
        inputs.append(x)
        inp = x
        step = []
        for l in range(num_layers):
            h[l], c[l], m, d_c, d_m = ref_cell(params[l], inp, h[l], c[l], m)
            step.append((d_c, d_m))
            inp = h[l]
        deltas.append(step)
        out = F.conv2d(h[-1], sd[f'{prefix}conv_last.weight'])
        preds.append(x + out if predict_change else out)
    return torch.stack(preds, dim=1), deltas, inputs


def ref_abs_cosines(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``|cos|`` per (sample, channel) of ``(B, Ch, H, W)`` maps, written out."""
    bs, ch = a.shape[:2]
    out = torch.empty(bs, ch, dtype=a.dtype)
    for s in range(bs):
        for k in range(ch):
            u = a[s, k].reshape(-1)
            v = b[s, k].reshape(-1)
            dot = float((u * v).sum())
            nu = math.sqrt(float((u * u).sum()))
            nv = math.sqrt(float((v * v).sum()))
            out[s, k] = abs(dot) / (nu * nv)
    return out


def ref_decouple(deltas, adapter_weight: torch.Tensor) -> float:
    """docs/en/model.md: mean over steps, layers, samples and channels of
    ``|cos|``."""
    total, count = 0.0, 0
    for step in deltas:
        for d_c, d_m in step:
            cos = ref_abs_cosines(F.conv2d(d_c, adapter_weight),
                                  F.conv2d(d_m, adapter_weight))
            total += float(cos.sum())
            count += cos.numel()
    return total / count


def ref_patch(frames: torch.Tensor, p: int) -> torch.Tensor:
    """docs/en/model.md with a loop over the patch offsets and image channels:
    channel ``(i*p + j)*C + c`` holds pixels ``(hp*p + i, wp*p + j, c)``."""
    *lead, c, hh, ww = frames.shape
    out = frames.new_empty(*lead, p * p * c, hh // p, ww // p)
    for i in range(p):
        for j in range(p):
            for ch in range(c):
                out[..., (i * p + j) * c + ch, :, :] = frames[..., ch, i::p,
                                                              j::p]
    return out


def ref_unpatch(patches: torch.Tensor, p: int) -> torch.Tensor:
    *lead, pc, hh, ww = patches.shape
    c = pc // (p * p)
    out = patches.new_empty(*lead, c, hh * p, ww * p)
    for i in range(p):
        for j in range(p):
            for ch in range(c):
                out[..., ch, i::p, j::p] = patches[..., (i * p + j) * c + ch,
                                                   :, :]
    return out


def randomise_layer_norms(module: torch.nn.Module, seed: int = 1) -> int:
    """Move every LayerNorm away from its (1, 0) default; returns how many."""
    gen = torch.Generator().manual_seed(seed)
    n = 0
    for mod in module.modules():
        if isinstance(mod, torch.nn.LayerNorm):
            with torch.no_grad():
                mod.weight.copy_(1 + 0.5 * torch.randn(
                    mod.weight.shape, generator=gen, dtype=mod.weight.dtype))
                mod.bias.copy_(0.5 * torch.randn(
                    mod.bias.shape, generator=gen, dtype=mod.bias.dtype))
            n += 1
    return n

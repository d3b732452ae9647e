"""Spatiotemporal LSTM cells (Wang et al., NeurIPS 2017; TPAMI 2022).

The ST-LSTM keeps two memories: the temporal memory ``c`` (per layer, along
time) and the spatiotemporal memory ``m`` (one tensor travelling the zigzag
path through all layers). Equations::

    i  = sig(i_x + i_h)      f  = sig(f_x + f_h + 1)      g  = tanh(g_x + g_h)
    dC = i * g               c' = f * c + dC
    i' = sig(i'_x + i_m)     f' = sig(f'_x + f_m + 1)     g' = tanh(g'_x + g_m)
    dM = i' * g'             m' = f' * m + dM
    o  = sig(o_x + o_h + conv_o([c', m']))
    h' = o * tanh(conv_last([c', m']))

Parameter names (``conv_x.0.weight`` ...) are those of the authors' code, so
their checkpoints load by name.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn

from predrnn.registry import MODELS

FORGET_BIAS = 1.0  # a constant of the equations, not a parameter


def conv_block(in_channels: int, out_channels: int, kernel_size: int,
               norm_shape: Optional[Sequence[int]],
               bias: bool = False) -> nn.Sequential:
    """``Conv2d`` ('same' padding) optionally followed by LayerNorm.

    Built once for both variants, as an ``nn.Sequential`` so the parameter
    names (``0.weight``, ``1.weight``, ``1.bias``) match the authors'.

    Args:
        norm_shape (Sequence[int], optional): ``(C_out, H, W)`` of the
            LayerNorm; ``None`` for no normalisation.
        bias (bool): Convolution bias (``0.bias``): off in the authors'
            unconditioned cells, on in their action-conditioned one.
            Defaults to False.
    """
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size,
                        padding=kernel_size // 2, bias=bias)]
    if norm_shape is not None:
        layers.append(nn.LayerNorm(list(norm_shape)))
    return nn.Sequential(*layers)


@MODELS.register_module()
class SpatioTemporalLSTMCell(nn.Module):
    """ST-LSTM cell of PredRNN (v1).

    Args:
        in_channels (int): Channels of the layer input ``x``.
        num_hidden (int): Hidden channels ``Ch`` of ``h``, ``c`` and ``m``.
        kernel_size (int): Gate convolution kernel. Defaults to 5.
        layer_norm (bool): LayerNorm after conv_x, conv_h, conv_m and conv_o.
            Defaults to False.
        spatial_size (Tuple[int, int], optional): ``(H, W)`` of the states;
            needed only when ``layer_norm`` is on. Non-square is fine.
    """

    def __init__(self,
                 in_channels: int,
                 num_hidden: int,
                 kernel_size: int = 5,
                 layer_norm: bool = False,
                 spatial_size: Optional[Tuple[int, int]] = None) -> None:
        super().__init__()
        if layer_norm and spatial_size is None:
            raise ValueError('layer_norm=True needs spatial_size=(H, W) of '
                             'the patched frames for the LayerNorm shape.')
        ch = num_hidden

        def norm(channels):
            return (channels, *spatial_size) if layer_norm else None

        self.num_hidden = ch
        self.layer_norm = layer_norm
        self.conv_x = conv_block(in_channels, 7 * ch, kernel_size, norm(7 * ch))
        self.conv_h = conv_block(ch, 4 * ch, kernel_size, norm(4 * ch))
        self.conv_m = conv_block(ch, 3 * ch, kernel_size, norm(3 * ch))
        self.conv_o = conv_block(2 * ch, ch, kernel_size, norm(ch))
        self.conv_last = nn.Conv2d(2 * ch, ch, 1, bias=False)

    def step(self, x: torch.Tensor, h: Optional[torch.Tensor],
             c: Optional[torch.Tensor],
             m: Optional[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """One step; returns ``(h', c', m', dC, dM)``, each ``(B, Ch, H, W)``.

        ``h``, ``c`` or ``m`` may be ``None`` for an all-zero state (the
        first time step): without layer norm a convolution of zeros is zero,
        so ``conv_h`` / ``conv_m`` are skipped, the same function for less
        work. With layer norm (LayerNorm of zeros is its bias) the zeros are
        materialised and convolved as usual.
        """
        if self.layer_norm:
            h, c, m = (x.new_zeros(x.shape[0], self.num_hidden, *x.shape[2:])
                       if s is None else s for s in (h, c, m))
        i_x, f_x, g_x, i_xp, f_xp, g_xp, o_x = torch.split(
            self.conv_x(x), self.num_hidden, dim=1)
        if h is None:
            i_h = f_h = g_h = o_h = 0.
        else:
            i_h, f_h, g_h, o_h = torch.split(self.conv_h(h), self.num_hidden,
                                             dim=1)
        if m is None:
            i_m = f_m = g_m = 0.
        else:
            i_m, f_m, g_m = torch.split(self.conv_m(m), self.num_hidden, dim=1)

        delta_c = torch.sigmoid(i_x + i_h) * torch.tanh(g_x + g_h)
        c_new = delta_c if c is None else (
            torch.sigmoid(f_x + f_h + FORGET_BIAS) * c + delta_c)
        delta_m = torch.sigmoid(i_xp + i_m) * torch.tanh(g_xp + g_m)
        m_new = delta_m if m is None else (
            torch.sigmoid(f_xp + f_m + FORGET_BIAS) * m + delta_m)

        mem = torch.cat((c_new, m_new), dim=1)
        o = torch.sigmoid(o_x + o_h + self.conv_o(mem))
        h_new = o * torch.tanh(self.conv_last(mem))
        return h_new, c_new, m_new, delta_c, delta_m

    def forward(self, x: torch.Tensor, h: Optional[torch.Tensor],
                c: Optional[torch.Tensor],
                m: Optional[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """Returns ``(h', c', m')``, each ``(B, Ch, H, W)``."""
        return self.step(x, h, c, m)[:3]


@MODELS.register_module()
class SpatioTemporalLSTMCellV2(SpatioTemporalLSTMCell):
    """ST-LSTM cell of PredRNN-V2: the same function, and it also returns the
    memory increments ``dC = i * g`` and ``dM = i' * g'`` that the memory
    decoupling loss compares."""

    def forward(self, x: torch.Tensor, h: Optional[torch.Tensor],
                c: Optional[torch.Tensor],
                m: Optional[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """Returns ``(h', c', m', dC, dM)``, each ``(B, Ch, H, W)``."""
        return self.step(x, h, c, m)

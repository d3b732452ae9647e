"""Action-conditioned ST-LSTM cell of PredRNN-V2 (Wang et al., TPAMI 2022,
Sec. 5.4, BAIR robot pushing).

The v2 cell (:mod:`.st_lstm_cell`) with one more convolution ``conv_a`` on the
(encoded) action ``a``. The hidden-path gate pre-activations are multiplied
by it before the split; the ``x`` and ``m`` paths are unchanged::

    i_h, f_h, g_h, o_h = split(conv_h(h) * conv_a(a))

As in the authors' action model every convolution carries a bias (PyTorch's
default), unlike the unconditioned cell; ``bias=False`` gives the
bias-free variant. Parameter names (``conv_a.0.weight`` ...) are the
authors', so their action-conditioned checkpoints load by name.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn

from predrnn.registry import MODELS
from .st_lstm_cell import FORGET_BIAS, conv_block


@MODELS.register_module()
class ActionSpatioTemporalLSTMCell(nn.Module):
    """ST-LSTM (v2) cell whose hidden path is gated by an action.

    Args:
        in_channels (int): Channels of the layer input ``x``.
        num_hidden (int): Hidden channels ``Ch`` of ``h``, ``c`` and ``m``.
        action_channels (int, optional): Channels of the action map ``a``
            that ``conv_a`` reads. None: ``num_hidden`` (the authors' model,
            where the action encoder outputs ``Ch`` channels).
        kernel_size (int): Gate convolution kernel. Defaults to 5.
        layer_norm (bool): LayerNorm after conv_x, conv_h, conv_a, conv_m and
            conv_o. Defaults to False.
        spatial_size (Tuple[int, int], optional): ``(H, W)`` of the states;
            needed only with ``layer_norm``.
        bias (bool): Biases on every convolution, as the authors' action
            cell. Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 num_hidden: int,
                 action_channels: Optional[int] = None,
                 kernel_size: int = 5,
                 layer_norm: bool = False,
                 spatial_size: Optional[Tuple[int, int]] = None,
                 bias: bool = True) -> None:
        super().__init__()
        if layer_norm and spatial_size is None:
            raise ValueError('layer_norm=True needs spatial_size=(H, W) of '
                             'the recurrent states for the LayerNorm shape.')
        ch = num_hidden
        action_channels = ch if action_channels is None else action_channels

        def block(cin, cout):
            norm = (cout, *spatial_size) if layer_norm else None
            return conv_block(cin, cout, kernel_size, norm, bias)

        self.num_hidden = ch
        self.conv_x = block(in_channels, 7 * ch)
        self.conv_h = block(ch, 4 * ch)
        self.conv_a = block(action_channels, 4 * ch)
        self.conv_m = block(ch, 3 * ch)
        self.conv_o = block(2 * ch, ch)
        self.conv_last = nn.Conv2d(2 * ch, ch, 1, bias=bias)

    def forward(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor,
                m: torch.Tensor, a: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """One step.

        Args:
            x (torch.Tensor): Layer input ``(B, C_in, H, W)``.
            h, c, m (torch.Tensor): States ``(B, Ch, H, W)`` (zeros at the
                first step: with biases a convolution of zeros is not zero,
                so nothing is skipped).
            a (torch.Tensor): Action map ``(B, C_a, H, W)``.

        Returns:
            tuple: ``(h', c', m', dC, dM)``, each ``(B, Ch, H, W)``.
        """
        ch = self.num_hidden
        i_x, f_x, g_x, i_xp, f_xp, g_xp, o_x = torch.split(
            self.conv_x(x), ch, dim=1)
        i_h, f_h, g_h, o_h = torch.split(self.conv_h(h) * self.conv_a(a), ch,
                                         dim=1)
        i_m, f_m, g_m = torch.split(self.conv_m(m), ch, dim=1)

        delta_c = torch.sigmoid(i_x + i_h) * torch.tanh(g_x + g_h)
        c_new = torch.sigmoid(f_x + f_h + FORGET_BIAS) * c + delta_c
        delta_m = torch.sigmoid(i_xp + i_m) * torch.tanh(g_xp + g_m)
        m_new = torch.sigmoid(f_xp + f_m + FORGET_BIAS) * m + delta_m

        mem = torch.cat((c_new, m_new), dim=1)
        o = torch.sigmoid(o_x + o_h + self.conv_o(mem))
        h_new = o * torch.tanh(self.conv_last(mem))
        return h_new, c_new, m_new, delta_c, delta_m

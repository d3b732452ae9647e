"""Condition-steered PredRNN-V2 core: the authors' action-conditioned network
(Wang et al., TPAMI 2022, Sec. 5.4; SPEC section 10) and an additive
variant.

Every step ``t`` reads the frame input (ground truth or the previous
prediction, as in SPEC 5) and the condition of that step, ``A`` numbers
tiled over the patched frame's grid (``A`` channels). Conditions follow the
BAIR convention: ``conditions[:, t]`` is what acts between frames ``t`` and
``t + 1`` (the action taken at frame ``t``), so the condition of the last
frame is never read.

Two fusions (``fusion``):

* ``'multiplicative'`` (the authors'): :class:`ActionSpatioTemporalLSTMCell`
  multiplies the hidden-path gate pre-activations by ``conv_a(a)``.
* ``'additive'``: the condition map is concatenated to every layer's input
  of the unconditioned v2 cell (its ``conv_x`` reads it). Users report that
  the multiplicative gate can hurt on their own data; this one leaves the
  recurrence untouched when the condition is zero.

Optional encoders (``conv_on_input``, the authors' BAIR setting): two
``k x k`` stride-2 convolutions for the frame (``p*p*C -> Ch/2 -> Ch``) and
two for the condition map (``A -> Ch/2 -> Ch``), so the recurrence runs on a
grid 4x smaller per side; two stride-2 transposed convolutions
(``Ch -> Ch/2 -> p*p*C``, output size that of the encoder input at that
level, so odd and non-square sizes round-trip) decode the top hidden state,
with the encoder feature maps added before each (``res_on_conv``,
U-Net-like skips). Without encoders the authors' code does not run (its
layer 0 and ``conv_a`` expect channels it never receives); here the tiled
condition goes to ``conv_a`` (``A -> 4 Ch``) directly and ``conv_last``
(``Ch -> p*p*C``, no bias) reads out the frame, as in :class:`PredRNNNet`.

Parameter names are the authors' (``cell_list.<l>.conv_a.0.weight``,
``conv_input1.weight``, ``action_conv_input1.weight``,
``deconv_output1.weight``, ``adapter.weight`` ...).
"""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn

from predrnn.registry import MODELS
from ..cells import SpatioTemporalLSTMCellV2
from ..cells.action_st_lstm_cell import ActionSpatioTemporalLSTMCell
from ..losses import decoupling_loss
from .predrnn_net import check_gt_mask

FUSIONS = ('multiplicative', 'additive')


def encoded_size(size: int, kernel_size: int) -> int:
    """Output length of a stride-2 convolution with padding ``k // 2``."""
    return (size + 2 * (kernel_size // 2) - kernel_size) // 2 + 1


@MODELS.register_module()
class ActionPredRNNNet(nn.Module):
    """Stacked ST-LSTM (v2) network steered by a per-step condition vector.

    Args:
        in_channels (int): Channels of a patched frame, ``p*p*C``.
        condition_channels (int): ``A``, numbers per condition vector.
        num_hidden (int): Hidden channels of every layer. Defaults to 128.
        num_layers (int): Number of layers. Defaults to 4.
        kernel_size (int): Gate (and encoder) kernel. Defaults to 5.
        layer_norm (bool): LayerNorm inside the cells. Defaults to False.
        spatial_size (Tuple[int, int], optional): ``(H/p, W/p)``; required
            with ``layer_norm`` (the recurrent grid is derived from it).
        conv_on_input (bool): Stride-2 frame and condition encoders and the
            transposed-convolution decoder. Defaults to False.
        res_on_conv (bool): Encoder-to-decoder skips (needs
            ``conv_on_input``). Defaults to False.
        fusion (str): ``'multiplicative'`` or ``'additive'`` (module
            docstring). Defaults to ``'multiplicative'``.
        cell_bias (bool): Biases on the convolutions of the multiplicative
            cells (the authors' have them). Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 condition_channels: int,
                 num_hidden: int = 128,
                 num_layers: int = 4,
                 kernel_size: int = 5,
                 layer_norm: bool = False,
                 spatial_size: Optional[Tuple[int, int]] = None,
                 conv_on_input: bool = False,
                 res_on_conv: bool = False,
                 fusion: str = 'multiplicative',
                 cell_bias: bool = True) -> None:
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f'fusion must be one of {FUSIONS}, got '
                             f'{fusion!r}.')
        if condition_channels < 1:
            raise ValueError(f'condition_channels must be >= 1, got '
                             f'{condition_channels}.')
        if num_layers < 1 or num_hidden < 1:
            raise ValueError(f'Need num_layers >= 1 and num_hidden >= 1, got '
                             f'{num_layers} and {num_hidden}.')
        if conv_on_input and num_hidden % 2:
            raise ValueError(f'conv_on_input halves num_hidden in the first '
                             f'encoder layer: num_hidden must be even, got '
                             f'{num_hidden}.')
        if res_on_conv and not conv_on_input:
            raise ValueError('res_on_conv adds the encoder feature maps to '
                             'the decoder: it needs conv_on_input=True.')
        if layer_norm and spatial_size is None:
            raise ValueError('layer_norm=True needs spatial_size=(H/p, W/p).')
        ch, k = num_hidden, kernel_size
        self.in_channels = in_channels
        self.condition_channels = condition_channels
        self.num_hidden = [ch] * num_layers
        self.fusion = fusion
        self.conv_on_input = conv_on_input
        self.res_on_conv = res_on_conv
        rnn_size = spatial_size
        if conv_on_input:
            if spatial_size is not None:
                rnn_size = tuple(encoded_size(encoded_size(s, k), k)
                                 for s in spatial_size)

            def down(cin, cout):
                return nn.Conv2d(cin, cout, k, stride=2, padding=k // 2,
                                 bias=False)

            def up(cin, cout):
                return nn.ConvTranspose2d(cin, cout, k, stride=2,
                                          padding=k // 2, bias=False)

            self.conv_input1 = down(in_channels, ch // 2)
            self.conv_input2 = down(ch // 2, ch)
            self.action_conv_input1 = down(condition_channels, ch // 2)
            self.action_conv_input2 = down(ch // 2, ch)
            self.deconv_output1 = up(ch, ch // 2)
            self.deconv_output2 = up(ch // 2, in_channels)
        else:
            self.conv_last = nn.Conv2d(ch, in_channels, 1, bias=False)
        self.rnn_size = rnn_size
        cond_maps = ch if conv_on_input else condition_channels
        first = ch if conv_on_input else in_channels
        cells = []
        for layer in range(num_layers):
            cin = first if layer == 0 else ch
            if fusion == 'multiplicative':
                cells.append(ActionSpatioTemporalLSTMCell(
                    cin, ch, cond_maps, k, layer_norm, rnn_size, cell_bias))
            else:
                cells.append(SpatioTemporalLSTMCellV2(
                    cin + cond_maps, ch, k, layer_norm, rnn_size))
        self.cell_list = nn.ModuleList(cells)
        self.adapter = nn.Conv2d(ch, ch, 1, bias=False)

    # ------------------------------------------------------------------ #
    def check_conditions(self, conditions: torch.Tensor, batch: int,
                         num_frames: int) -> None:
        """Clear errors for a condition tensor that does not fit the clips
        ``(B, T, ...)`` or this network."""
        if conditions.dim() != 3:
            raise ValueError(
                f'conditions must be (B, T, A) (one vector of A numbers per '
                f'frame), got shape {tuple(conditions.shape)}.')
        if conditions.shape[0] != batch:
            raise ValueError(f'conditions hold {conditions.shape[0]} clips, '
                             f'the frames {batch}.')
        if conditions.shape[1] not in (num_frames, num_frames - 1):
            raise ValueError(
                f'conditions cover {conditions.shape[1]} frames but the clips '
                f'have {num_frames}: give one condition per frame (the last '
                f'one is never used, so {num_frames - 1} also works).')
        if conditions.shape[2] != self.condition_channels:
            raise ValueError(
                f'conditions have {conditions.shape[2]} numbers per frame but '
                f'the model was built with condition_channels='
                f'{self.condition_channels}; fix the data or the config.')

    def encode_conditions(self, conditions: torch.Tensor, height: int,
                          width: int) -> torch.Tensor:
        """Tile ``(B, S, A)`` over ``(height, width)`` and encode: returns
        ``(B, S, C_a, h, w)`` with ``C_a = Ch`` on the recurrent grid
        (``conv_on_input``) or ``A`` on the patched grid. All steps at once:
        the conditions never depend on the predictions."""
        b, steps, a = conditions.shape
        maps = conditions.reshape(b * steps, a, 1, 1).expand(
            b * steps, a, height, width)
        if self.conv_on_input:
            maps = self.action_conv_input2(self.action_conv_input1(
                maps.contiguous()))
        return maps.reshape(b, steps, *maps.shape[1:])

    def forward(self,
                frames: torch.Tensor,
                conditions: torch.Tensor,
                gt_mask: torch.Tensor,
                return_decouple_loss: bool = False
                ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Run ``T - 1`` steps and predict frames ``1 .. T-1``.

        Args:
            frames (torch.Tensor): Patched clip ``(B, T, C', H', W')``.
            conditions (torch.Tensor): ``(B, T, A)`` (or ``(B, T-1, A)``);
                step ``t`` reads ``conditions[:, t]``.
            gt_mask (torch.Tensor): ``(B, T-1)`` ground-truth weights: the
                step input is ``mask * x[t] + (1 - mask) * x_hat[t]``.
            return_decouple_loss (bool): Also compute the decoupling loss.
                Defaults to False.

        Returns:
            tuple: predictions ``(B, T-1, C', H', W')`` and the decoupling
            loss (a scalar) or ``None``.
        """
        b, t_total, _, height, width = frames.shape
        check_gt_mask(gt_mask, b, t_total)
        self.check_conditions(conditions, b, t_total)
        cond = self.encode_conditions(
            conditions[:, :t_total - 1].to(frames.dtype), height, width)
        mask = gt_mask.to(frames.dtype)[:, :, None, None, None]
        zero = frames.new_zeros(b, self.num_hidden[0], *cond.shape[-2:])
        h: List[torch.Tensor] = [zero] * len(self.cell_list)
        c: List[torch.Tensor] = [zero] * len(self.cell_list)
        memory = zero
        cosine_sums, preds = [], []
        x_hat = None
        for t in range(t_total - 1):
            if t == 0:
                x = frames[:, 0]
            else:
                x = mask[:, t] * frames[:, t] + (1 - mask[:, t]) * x_hat
            x_hat, memory, cos = self._step(x, cond[:, t], h, c, memory,
                                            return_decouple_loss)
            preds.append(x_hat)
            if cos is not None:
                cosine_sums.append(cos)
        loss = None
        if return_decouple_loss:
            loss = torch.stack(cosine_sums).sum() / (
                (t_total - 1) * len(self.cell_list))
        return torch.stack(preds, dim=1), loss

    def _step(self, x: torch.Tensor, cond: torch.Tensor,
              h: List[torch.Tensor], c: List[torch.Tensor],
              memory: torch.Tensor, with_decoupling: bool
              ) -> Tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]:
        """One step through encoders, every layer (updating ``h`` and ``c``
        in place) and the decoder. Returns the next-frame prediction, the
        memory leaving the top layer and the summed per-layer decoupling
        cosine (or None)."""
        inp = x
        if self.conv_on_input:
            enc1 = self.conv_input1(x)
            enc2 = self.conv_input2(enc1)
            inp = enc2
        cos_sum = None
        for layer, cell in enumerate(self.cell_list):
            layer_in = inp if layer == 0 else h[layer - 1]
            if self.fusion == 'multiplicative':
                out = cell(layer_in, h[layer], c[layer], memory, cond)
            else:
                out = cell(torch.cat((layer_in, cond), dim=1), h[layer],
                           c[layer], memory)
            h[layer], c[layer], memory, d_c, d_m = out
            if with_decoupling:
                cos = decoupling_loss(self.adapter(d_c), self.adapter(d_m))
                cos_sum = cos if cos_sum is None else cos_sum + cos
        top = h[-1]
        if not self.conv_on_input:
            return self.conv_last(top), memory, cos_sum
        if self.res_on_conv:
            top = top + enc2
        y = self.deconv_output1(top, output_size=enc1.shape[-2:])
        if self.res_on_conv:
            y = y + enc1
        return (self.deconv_output2(y, output_size=x.shape[-2:]), memory,
                cos_sum)

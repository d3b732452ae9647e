"""Condition-steered PredRNN-V2 core: the authors' action-conditioned network
(Wang et al., TPAMI 2022, Sec. 5.4) and an additive
variant.

Every step ``t`` reads the frame input (ground truth or the previous
prediction, as in :class:`PredRNNNet`, whose rollout it shares) and the
condition of that step, ``A`` numbers tiled over the patched frame's grid
(``A`` channels). Conditions follow the BAIR convention: ``conditions[:,
t]`` is what acts between frames ``t`` and ``t + 1`` (the action taken at
frame ``t``), so the condition of the last frame is never read.

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
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from predrnn.registry import MODELS
from ..cells import SpatioTemporalLSTMCellV2
from ..cells.action_st_lstm_cell import ActionSpatioTemporalLSTMCell
from .predrnn_net import PredRNNNet, StepOutput

FUSIONS = ('multiplicative', 'additive')


def encoded_size(size: int, kernel_size: int) -> int:
    """Output length of a stride-2 convolution with padding ``k // 2``."""
    return (size + 2 * (kernel_size // 2) - kernel_size) // 2 + 1


@MODELS.register_module()
class ActionPredRNNNet(PredRNNNet):
    """Stacked ST-LSTM (v2) network steered by a per-step condition vector.

    Args:
        in_channels (int): Channels of a patched frame, ``p*p*C`` (set by
            the model).
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
        decouple, channels_last, activation_checkpointing, compile,
            predict_change: as :class:`PredRNNNet` (with ``conv_on_input``
            the output head is ``deconv_output2``).
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
                 cell_bias: bool = True,
                 decouple: bool = False,
                 channels_last: bool = False,
                 activation_checkpointing: bool = False,
                 compile: Union[bool, dict] = False,
                 predict_change: bool = False) -> None:
        nn.Module.__init__(self)
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
        self._init_rollout(in_channels, [ch] * num_layers, decouple,
                           channels_last, activation_checkpointing, compile,
                           predict_change)
        # the multiplicative cell has biases: a convolution of zero states
        # is not zero, so the first states are always materialised
        self.skip_zero_states = False
        self.condition_channels = condition_channels
        self.kernel_size = k
        self.fusion = fusion
        self.conv_on_input = conv_on_input
        self.res_on_conv = res_on_conv
        rnn_size = spatial_size
        if conv_on_input:
            if spatial_size is not None:
                rnn_size = self.state_size(spatial_size)

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
        if decouple:
            self.adapter = nn.Conv2d(ch, ch, 1, bias=False)
        self.reset_output_head()

    def output_head(self) -> nn.Module:
        """The last layer of the read-out: ``deconv_output2`` with the
        encoders, else ``conv_last``."""
        return self.deconv_output2 if self.conv_on_input else self.conv_last

    def state_size(self, size: Sequence[int]) -> Tuple[int, ...]:
        """Grid of the recurrent states for a patched frame grid ``size``:
        the same, or twice stride-2 encoded with ``conv_on_input``."""
        if not self.conv_on_input:
            return tuple(size)
        k = self.kernel_size
        return tuple(encoded_size(encoded_size(s, k), k) for s in size)

    # ------------------------------------------------------------------ #
    def check_conditions(self, conditions: Optional[torch.Tensor],
                         batch: int, num_frames: int) -> None:
        """Clear errors for a condition tensor that is missing or does not
        fit the clips ``(B, T, ...)`` or this network."""
        a = self.condition_channels
        if conditions is None:
            raise ValueError(
                f'{type(self).__name__} is conditioned on {a} numbers per '
                f'frame and needs conditions (B, T, A): one row per frame of '
                f'the clip, observed and future (here T = {num_frames}). '
                f'Train and test with ConditionedVideoDataPreprocessor and a '
                f'dataset whose items carry "conditions" (e.g. '
                f'ControllableMovingMNIST); forecast with tools/predict.py '
                f'... --conditions FILE.npy of shape ({num_frames}, {a}).')
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
                f'have {num_frames} (observed and future): this rollout needs '
                f'({num_frames}, {a}) or (B, {num_frames}, {a}), one row per '
                f'frame (the last row is never read, so {num_frames - 1} '
                f'rows also work).')
        if conditions.shape[2] != a:
            raise ValueError(
                f'conditions have {conditions.shape[2]} numbers per frame but '
                f'the model was built with condition_channels={a}; fix the '
                f'data or the config.')

    def step_conditions(self, conditions: Optional[torch.Tensor],
                        frames: torch.Tensor) -> torch.Tensor:
        """Check the ``(B, T, A)`` conditions, tile them over the patched
        grid and encode them: ``(B, T-1, C_a, h, w)`` with ``C_a = Ch`` on
        the recurrent grid (``conv_on_input``) or ``A`` on the patched
        grid. All steps at once: the conditions never depend on the
        predictions."""
        b, t_total, _, height, width = frames.shape
        self.check_conditions(conditions, b, t_total)
        conditions = conditions[:, :t_total - 1].to(frames.dtype)
        steps, a = conditions.shape[1:]
        maps = conditions.reshape(b * steps, a, 1, 1).expand(
            b * steps, a, height, width)
        if self.conv_on_input:
            maps = self.action_conv_input2(self.action_conv_input1(
                maps.contiguous()))
        return maps.reshape(b, steps, *maps.shape[1:])

    def initial_state(self, x: torch.Tensor) -> torch.Tensor:
        """Zeros ``(B, Ch, h, w)`` on the recurrent grid of ``x``."""
        return x.new_zeros(x.shape[0], self.num_hidden[0],
                           *self.state_size(x.shape[-2:])).contiguous(
                               memory_format=self.memory_format)

    def _cell(self, cell: nn.Module, x: torch.Tensor, cond: torch.Tensor,
              h, c, m) -> Tuple[torch.Tensor, ...]:
        """Multiplicative: the cell's ``conv_a`` reads the condition;
        additive: it is concatenated to the layer input."""
        if self.fusion == 'multiplicative':
            return cell(x, h, c, m, cond)
        return cell(torch.cat((x, cond), dim=1), h, c, m)

    def _step(self, x: torch.Tensor, cond: torch.Tensor,
              h: List[torch.Tensor], c: List[torch.Tensor],
              memory: torch.Tensor, with_decoupling: bool) -> StepOutput:
        """One step through the encoders, every layer and the decoder."""
        if not self.conv_on_input:
            return super()._step(x, cond, h, c, memory, with_decoupling)
        enc1 = self.conv_input1(x)
        enc2 = self.conv_input2(enc1)
        h, c, memory, cos_sum = self._layer_stack(enc2, cond, h, c, memory,
                                                  with_decoupling)
        top = h[-1] + enc2 if self.res_on_conv else h[-1]
        y = self.deconv_output1(top, output_size=enc1.shape[-2:])
        if self.res_on_conv:
            y = y + enc1
        x_hat = self.deconv_output2(y, output_size=x.shape[-2:])
        return x_hat, h, c, memory, cos_sum

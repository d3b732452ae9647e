"""The PredRNN recurrent core: stacked ST-LSTM cells with zigzag memory
(Wang et al., TPAMI 2022, Sec. 3).

A pure ``nn.Module`` with explicit arguments; loss weighting, curricula and
patching live in the :class:`~predrnn.models.predictors.PredRNN` model.
Parameter names match the authors' ``RNN`` (``cell_list.<l>...``,
``conv_last``, ``adapter``) so their checkpoints load by name.

:class:`PredRNNNet` owns the rollout every backbone shares: the blend of
ground truth and prediction, the eager / compiled / checkpointed step
functions, the memory format and the decoupling loss. A conditioned
backbone (:class:`~.action_predrnn_net.ActionPredRNNNet`) changes only how
a step reads its condition and how its states are shaped.
"""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

from predrnn.registry import MODELS
from ..cells import SpatioTemporalLSTMCellV2
from ..losses import decoupling_loss
from .step_compiler import StepCompiler

StepOutput = Tuple[torch.Tensor, List[torch.Tensor], List[torch.Tensor],
                   torch.Tensor, Optional[torch.Tensor]]


def check_gt_mask(gt_mask: torch.Tensor, batch: int, t_total: int) -> None:
    """Refuse a ground-truth mask that is not ``(B, T-1)``: one weight per
    clip and recurrent step."""
    if gt_mask.shape != (batch, t_total - 1):
        raise ValueError(f'gt_mask must have shape (B, T-1) = '
                         f'{(batch, t_total - 1)}, got '
                         f'{tuple(gt_mask.shape)}.')


def _checkpointed(kind: Callable) -> Callable:
    """``kind`` under activation checkpointing: its activations are
    recomputed in the backward pass. The checkpoint sits *inside* the
    compiled step, so the compiler sees forward and recomputation as one
    graph; a checkpoint around a compiled step would replay the step's
    forward CUDA graph inside the backward pass, which CUDA graph trees
    refuse ("input tensor deallocate during graph recording")."""
    def step(net, *args):
        # no randomness inside a step: no RNG state to preserve
        return checkpoint(kind, net, *args, use_reentrant=False,
                          preserve_rng_state=False)
    step.__qualname__ = step.__name__ = f'{kind.__name__}_checkpointed'
    return step


def _in_memory_format(clip: torch.Tensor,
                      memory_format: torch.memory_format) -> torch.Tensor:
    """``(B, T, C, H, W)`` whose per-step slices ``clip[:, t]`` are in
    ``memory_format``: one layout change for the whole clip instead of one
    per step."""
    if memory_format is not torch.channels_last:
        return clip
    return clip.permute(0, 1, 3, 4, 2).contiguous().permute(0, 1, 4, 2, 3)


@MODELS.register_module()
class PredRNNNet(nn.Module):
    """Stacked ST-LSTM network on patched frames.

    Args:
        in_channels (int): Channels of a patched frame, ``p*p*C`` (set by
            the model from ``frame_channels`` and the patch size).
        num_hidden (int | Sequence[int]): Hidden channels per layer; an int
            is used for every layer. Defaults to 128.
        num_layers (int): Number of layers when ``num_hidden`` is an int.
            Defaults to 4.
        kernel_size (int): Gate kernel size. Defaults to 5.
        layer_norm (bool): LayerNorm inside the cells. Defaults to False.
        spatial_size (Tuple[int, int], optional): ``(H/p, W/p)``; required
            with ``layer_norm`` (the model derives it from ``frame_size``).
        decouple (bool): Build the shared adapter ``W_dec`` and return the
            memory decoupling loss (PredRNN-V2; set by the model).
            Defaults to False.
        channels_last (bool): Run the recurrence in the channels-last
            (NHWC) memory format: the same function, and faster on
            hardware whose convolutions prefer NHWC (tensor-core GPUs, some
            CPUs); on the AVX2 CPU of BENCHMARKS.md it was about 20% slower,
            so it is opt-in. Defaults to False.
        activation_checkpointing (bool): While gradients are recorded, keep
            only the states between time steps and recompute each step's
            layer stack in the backward pass: several times less training
            memory for one extra forward pass (see BENCHMARKS.md). Same
            function and gradients. Defaults to False.
        compile (bool | dict): Run each time step through the layer stack
            compiled with ``torch.compile``: gate arithmetic fused, one
            compilation per kind of step, none across steps, iterations or
            validation (see :class:`~.step_compiler.StepCompiler`). ``True``
            or a dict of ``torch.compile`` arguments, e.g.
            ``dict(mode='reduce-overhead')`` for CUDA graphs. The same
            function as eager up to float32 round-off. Defaults to False.
        predict_change (bool): Each step outputs the frame it was fed (the
            blended input ``x_t``) plus the output head, i.e. the head
            predicts the change from that frame. The head
            (:meth:`output_head`) starts at zero, so an untrained network
            forecasts the last observed frame (copy-last). False: the
            paper's read-out of the frame itself. Defaults to False.
    """

    #: Numbers per condition vector the network reads (0: unconditioned).
    condition_channels = 0

    def __init__(self,
                 in_channels: int,
                 num_hidden: Union[int, Sequence[int]] = 128,
                 num_layers: int = 4,
                 kernel_size: int = 5,
                 layer_norm: bool = False,
                 spatial_size: Optional[Tuple[int, int]] = None,
                 decouple: bool = False,
                 channels_last: bool = False,
                 activation_checkpointing: bool = False,
                 compile: Union[bool, dict] = False,
                 predict_change: bool = False) -> None:
        super().__init__()
        hidden = ([num_hidden] * num_layers if isinstance(num_hidden, int)
                  else list(num_hidden))
        if not hidden or min(hidden) < 1:
            raise ValueError(f'num_hidden must give at least one layer of '
                             f'positive width, got {num_hidden!r}.')
        if len(set(hidden)) != 1:
            raise ValueError(
                f'All layers need the same hidden size: the spatiotemporal '
                f'memory travels through every layer (zigzag) and the '
                f'decoupling adapter is shared across layers; got {hidden}. '
                f'Give one num_hidden for every layer.')
        self._init_rollout(in_channels, hidden, decouple, channels_last,
                           activation_checkpointing, compile, predict_change)
        self.cell_list = nn.ModuleList(
            SpatioTemporalLSTMCellV2(
                in_channels if i == 0 else hidden[i - 1], hidden[i],
                kernel_size, layer_norm, spatial_size)
            for i in range(len(hidden)))
        self.conv_last = nn.Conv2d(hidden[-1], in_channels, 1, bias=False)
        if decouple:
            self.adapter = nn.Conv2d(hidden[0], hidden[0], 1, bias=False)
        self.reset_output_head()

    def _init_rollout(self, in_channels: int, hidden: List[int],
                      decouple: bool, channels_last: bool,
                      activation_checkpointing: bool,
                      compile: Union[bool, dict],
                      predict_change: bool = False) -> None:
        """The attributes of the shared rollout (every backbone)."""
        self.in_channels = in_channels
        self.predict_change = bool(predict_change)
        self.num_hidden: List[int] = hidden
        self.decouple = decouple
        self.memory_format = (torch.channels_last if channels_last else
                              torch.contiguous_format)
        self.activation_checkpointing = activation_checkpointing
        # not ``self.compile``: that is nn.Module's own method
        self.step_compiler = StepCompiler(compile)
        # False: convolve the all-zero first states as the reference
        # implementations do (only to count their FLOPs; same results)
        self.skip_zero_states = True

    def forward(self,
                frames: torch.Tensor,
                gt_mask: torch.Tensor,
                conditions: Optional[torch.Tensor] = None,
                return_decouple_loss: bool = False
                ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Run ``T - 1`` steps and predict frames ``1 .. T-1``.

        Args:
            frames (torch.Tensor): Patched clip ``(B, T, C', H', W')``.
                Frames the mask never selects may hold anything (zeros).
            gt_mask (torch.Tensor): ``(B, T-1)`` weight of the ground truth
                at each step: the step input is
                ``mask * x[t] + (1 - mask) * x_hat[t]``. Step 0 always takes
                ``x[0]``.
            conditions (torch.Tensor, optional): ``(B, T, A)`` (or ``T-1``
                rows) for a conditioned network, step ``t`` reading row
                ``t``; None for an unconditioned one.
            return_decouple_loss (bool): Compute the decoupling loss (needs
                ``decouple=True``). Defaults to False.

        Returns:
            tuple: predictions ``(B, T-1, C', H', W')`` and the decoupling
            loss (a scalar) or ``None``.
        """
        b, t_total = frames.shape[:2]
        check_gt_mask(gt_mask, b, t_total)
        if return_decouple_loss and not self.decouple:
            raise ValueError('This network was built with decouple=False.')
        cond = self.step_conditions(conditions, frames)
        frames = _in_memory_format(frames, self.memory_format)
        if cond is not None:
            cond = _in_memory_format(cond, self.memory_format)
        mask = gt_mask.to(frames.dtype)[:, :, None, None, None]
        checkpointed = (self.activation_checkpointing
                        and torch.is_grad_enabled())
        self.step_compiler.begin_rollout(frames.device)
        cosine_sums, preds = [], []
        state: tuple = ()
        for t in range(t_total - 1):
            cond_t = None if cond is None else cond[:, t]
            # step 0 has all-zero states (its own step function: the cells
            # may skip the convolutions of zeros); the later ones blend the
            # ground truth and the previous prediction
            if t == 0:
                kind, args = type(self)._first_step, (frames[:, 0], cond_t)
            else:
                kind = type(self)._next_step
                args = (frames[:, t], mask[:, t], cond_t, *state)
            if checkpointed:
                kind = _checkpointed(kind)
            step = self.step_compiler(kind, return_decouple_loss,
                                      device_type=frames.device.type)
            x_hat, h, c, memory, cos = step(self, *args,
                                            return_decouple_loss)
            state = (x_hat, h, c, memory)
            preds.append(x_hat)
            if cos is not None:
                cosine_sums.append(cos)
        loss = None
        if return_decouple_loss:
            # every (step, layer) term averages the same number of
            # (sample, channel) cosines, so the mean of the per-term means
            # is the mean over steps, layers, samples and channels
            loss = torch.stack(cosine_sums).sum() / (
                (t_total - 1) * len(self.cell_list))
        return torch.stack(preds, dim=1), loss

    def output_head(self) -> nn.Module:
        """The last layer of the read-out (``conv_last``)."""
        return self.conv_last

    def reset_output_head(self) -> None:
        """With ``predict_change``, zero the output head: the untrained
        network then outputs each step's input frame unchanged."""
        if self.predict_change:
            head = self.output_head()
            nn.init.zeros_(head.weight)
            if head.bias is not None:
                nn.init.zeros_(head.bias)

    def step_conditions(self, conditions: Optional[torch.Tensor],
                        frames: torch.Tensor) -> Optional[torch.Tensor]:
        """What each step reads besides its frame, ``(B, T-1, ...)``;
        None here: this network takes no conditions."""
        if conditions is not None:
            raise ValueError(
                f'{type(self).__name__} is not conditioned: drop the '
                f'conditions, or use a conditioned backbone '
                f"(backbone=dict(type='ActionPredRNNNet', "
                f'condition_channels=A)).')
        return None

    def initial_state(self, x: torch.Tensor) -> Optional[torch.Tensor]:
        """The all-zero first state for a step input ``x``: None (the
        cells skip convolving it) or, with ``skip_zero_states=False``,
        zeros ``(B, Ch, H', W')``."""
        if self.skip_zero_states:
            return None
        return x.new_zeros(x.shape[0], self.num_hidden[0],
                           *x.shape[2:]).contiguous(
                               memory_format=self.memory_format)

    def _first_step(self, x: torch.Tensor, cond: Optional[torch.Tensor],
                    with_decoupling: bool) -> StepOutput:
        """Step 0 on ``x[0]`` ``(B, C', H', W')`` from all-zero states."""
        zero = self.initial_state(x)
        states = [zero] * len(self.cell_list)
        return self._predict(x, cond, states, states, zero, with_decoupling)

    def _next_step(self, frame: torch.Tensor, mask: torch.Tensor,
                   cond: Optional[torch.Tensor], x_hat: torch.Tensor,
                   h: List[torch.Tensor], c: List[torch.Tensor],
                   memory: torch.Tensor, with_decoupling: bool
                   ) -> StepOutput:
        """Step ``t >= 1``: the input ``mask * x[t] + (1 - mask) * x_hat``
        (``mask`` ``(B, 1, 1, 1)``; fused into the step when compiled), then
        the layer stack."""
        x = mask * frame + (1 - mask) * x_hat
        return self._predict(x, cond, h, c, memory, with_decoupling)

    def _predict(self, x: torch.Tensor, cond: Optional[torch.Tensor],
                 h: List[Optional[torch.Tensor]],
                 c: List[Optional[torch.Tensor]],
                 memory: Optional[torch.Tensor], with_decoupling: bool
                 ) -> StepOutput:
        """One step on its input ``x`` ``(B, C', H', W')``: the network's
        output, or with ``predict_change`` ``x`` plus that output."""
        out, h, c, memory, cos_sum = self._step(x, cond, h, c, memory,
                                                with_decoupling)
        if self.predict_change:
            out = x + out
        return out, h, c, memory, cos_sum

    def _layer_stack(self, x: torch.Tensor, cond: Optional[torch.Tensor],
                     h: List[Optional[torch.Tensor]],
                     c: List[Optional[torch.Tensor]],
                     memory: Optional[torch.Tensor], with_decoupling: bool
                     ) -> Tuple[List[torch.Tensor], List[torch.Tensor],
                                torch.Tensor, Optional[torch.Tensor]]:
        """Every layer once (the zigzag path): new ``h`` and ``c`` lists,
        the memory leaving the top layer and, with ``with_decoupling``, the
        sum over layers of the mean absolute cosine between the adapted
        increments. The adapter runs once per layer on tensors autograd
        keeps anyway, rather than on a concatenation of all steps (which
        would store every increment a second time)."""
        h, c = list(h), list(c)
        cos_sum = None
        for layer, cell in enumerate(self.cell_list):
            inp = x if layer == 0 else h[layer - 1]
            h[layer], c[layer], memory, d_c, d_m = self._cell(
                cell, inp, cond, h[layer], c[layer], memory)
            if with_decoupling:
                cos = decoupling_loss(self.adapter(d_c), self.adapter(d_m))
                cos_sum = cos if cos_sum is None else cos_sum + cos
        return h, c, memory, cos_sum

    def _cell(self, cell: nn.Module, x: torch.Tensor,
              cond: Optional[torch.Tensor], h, c, m) -> Tuple[torch.Tensor,
                                                              ...]:
        """One cell on its layer input: ``(h', c', m', dC, dM)``."""
        return cell(x, h, c, m)

    def _step(self, x: torch.Tensor, cond: Optional[torch.Tensor],
              h: List[Optional[torch.Tensor]],
              c: List[Optional[torch.Tensor]], memory: Optional[torch.Tensor],
              with_decoupling: bool) -> StepOutput:
        """One time step: the layer stack, then the read-out of the next
        frame from the top hidden state."""
        h, c, memory, cos_sum = self._layer_stack(x, cond, h, c, memory,
                                                  with_decoupling)
        return self.conv_last(h[-1]), h, c, memory, cos_sum

"""The PredRNN recurrent core: stacked ST-LSTM cells with zigzag memory
(Wang et al., TPAMI 2022, Sec. 3; SPEC sections 3-5).

A pure ``nn.Module`` with explicit arguments; loss weighting, curricula and
patching live in the :class:`~predrnn.models.predictors.PredRNN` wrapper.
Parameter names match the authors' ``RNN`` (``cell_list.<l>...``,
``conv_last``, ``adapter``) so their checkpoints load by name.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from predrnn.registry import MODELS
from ..cells import SpatioTemporalLSTMCellV2
from ..losses import decoupling_loss


@MODELS.register_module()
class PredRNNNet(nn.Module):
    """Stacked ST-LSTM network on patched frames.

    Args:
        in_channels (int): Channels of a patched frame, ``p*p*C``.
        num_hidden (int | Sequence[int]): Hidden channels per layer; an int
            is used for every layer. Defaults to 128.
        num_layers (int): Number of layers when ``num_hidden`` is an int.
            Defaults to 4.
        kernel_size (int): Gate kernel size. Defaults to 5.
        layer_norm (bool): LayerNorm inside the cells. Defaults to False.
        spatial_size (Tuple[int, int], optional): ``(H/p, W/p)``; required
            with ``layer_norm``.
        decouple (bool): Build the shared adapter ``W_dec`` and return the
            memory decoupling loss (PredRNN-V2). Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 num_hidden: Union[int, Sequence[int]] = 128,
                 num_layers: int = 4,
                 kernel_size: int = 5,
                 layer_norm: bool = False,
                 spatial_size: Optional[Tuple[int, int]] = None,
                 decouple: bool = False) -> None:
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
        self.in_channels = in_channels
        self.num_hidden: List[int] = hidden
        self.decouple = decouple
        self.cell_list = nn.ModuleList(
            SpatioTemporalLSTMCellV2(
                in_channels if i == 0 else hidden[i - 1], hidden[i],
                kernel_size, layer_norm, spatial_size)
            for i in range(len(hidden)))
        self.conv_last = nn.Conv2d(hidden[-1], in_channels, 1, bias=False)
        if decouple:
            self.adapter = nn.Conv2d(hidden[0], hidden[0], 1, bias=False)

    def forward(self,
                frames: torch.Tensor,
                gt_mask: torch.Tensor,
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
            return_decouple_loss (bool): Compute the decoupling loss (needs
                ``decouple=True``). Defaults to False.

        Returns:
            tuple: predictions ``(B, T-1, C', H', W')`` and the decoupling
            loss (a scalar) or ``None``.
        """
        b, t_total, _, height, width = frames.shape
        if gt_mask.shape != (b, t_total - 1):
            raise ValueError(f'gt_mask must have shape (B, T-1) = '
                             f'{(b, t_total - 1)}, got {tuple(gt_mask.shape)}.')
        if return_decouple_loss and not self.decouple:
            raise ValueError('This network was built with decouple=False.')
        mask = gt_mask.to(frames.dtype)[:, :, None, None, None]
        zeros = [frames.new_zeros(b, ch, height, width) for ch in self.num_hidden]
        h, c = list(zeros), list(zeros)
        memory = zeros[0]
        deltas_c, deltas_m, preds = [], [], []
        x_hat = None
        for t in range(t_total - 1):
            if t == 0:
                x = frames[:, 0]
            else:
                x = mask[:, t] * frames[:, t] + (1 - mask[:, t]) * x_hat
            for layer, cell in enumerate(self.cell_list):
                inp = x if layer == 0 else h[layer - 1]
                h[layer], c[layer], memory, d_c, d_m = cell(
                    inp, h[layer], c[layer], memory)
                if return_decouple_loss:
                    deltas_c.append(d_c)
                    deltas_m.append(d_m)
            x_hat = self.conv_last(h[-1])
            preds.append(x_hat)
        loss = None
        if return_decouple_loss:
            # one adapter call over all steps and layers at once
            loss = decoupling_loss(self.adapter(torch.cat(deltas_c)),
                                   self.adapter(torch.cat(deltas_m)))
        return torch.stack(preds, dim=1), loss

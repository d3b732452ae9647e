"""Naive baseline: the authors' PredRNN / PredRNN-V2 computation, rewritten.

This module is NOT part of the ``predrnn`` package. It re-expresses, from
the equations of docs/en/model.md, the computation structure of the authors'
reference implementation (thuml/predrnn-pytorch:
``core/layers/SpatioTemporalLSTMCell_v2.py``,
``core/models/predrnn_v2.py``, ``core/utils/preprocess.py`` and the sampling
functions of ``run.py``) so that it can serve as

* the yardstick for ``tools/analysis_tools/benchmark.py`` (one Python loop over
  steps, one over layers, three separate gate convolutions per cell, numpy
  masks expanded to full frame size, channels-last patched inputs), and
* the "source implementation" when testing the checkpoint converter: its
  ``state_dict`` keys are exactly those of the authors' ``model.ckpt-<iter>``
  files (docs/en/model.md, parameter names), and
  :func:`save_authors_checkpoint` writes such a file.

It is written independently (explicit arguments instead of the authors'
argparse ``configs``, non-square frames allowed) but keeps their parameter
names, tensor layouts and order of operations.

Layouts (the authors', channels last):

* frames: ``(B, T, H/p, W/p, p*p*C)`` as produced by :func:`reshape_patch`;
* reverse scheduled sampling masks: ``(B, T-2, H/p, W/p, p*p*C)``; step
  ``t`` in ``1..T-2`` uses ``mask[:, t-1]``;
* scheduled sampling masks: ``(B, T_out-1, H/p, W/p, p*p*C)``; steps
  ``t < T_in`` use ground truth, step ``t >= T_in`` uses ``mask[:, t-T_in]``.

Paper: Wang et al., "PredRNN: A Recurrent Neural Network for Spatiotemporal
Predictive Learning", TPAMI 2022 (arXiv 2103.09504).
"""
import math
import os
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    'SpatioTemporalLSTMCell', 'RNN', 'build_baseline', 'reshape_patch',
    'reshape_patch_back', 'reserve_schedule_sampling_exp',
    'schedule_sampling', 'inference_mask', 'save_authors_checkpoint'
]


# ---------------------------------------------------------------------------
# ST-LSTM cell (docs/en/model.md)
# ---------------------------------------------------------------------------
def _conv_block(in_channels: int, out_channels: int, kernel_size: int,
                stride: int, layer_norm: bool, height: int,
                width: int) -> nn.Sequential:
    """Conv (no bias, ``k // 2`` padding), optionally followed by LayerNorm.

    Wrapped in ``nn.Sequential`` so that the weight is named ``<name>.0.weight``
    and the layer norm ``<name>.1.weight/bias``, as in the authors' files.
    """
    layers: List[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size,
                  stride=stride, padding=kernel_size // 2, bias=False)
    ]
    if layer_norm:
        layers.append(nn.LayerNorm([out_channels, height, width]))
    return nn.Sequential(*layers)


class SpatioTemporalLSTMCell(nn.Module):
    """ST-LSTM cell of PredRNN (v1 function, v2 return values).

    Args:
        in_channel (int): Channels of the layer input ``x``.
        num_hidden (int): Hidden channels ``Ch`` of ``h``, ``c`` and ``m``.
        height (int): Height of the (patched) feature map; only used by the
            layer norm.
        width (int): Width of the (patched) feature map; only used by the
            layer norm.
        filter_size (int): Kernel size ``k`` of the gate convolutions.
        stride (int): Convolution stride. Defaults to 1.
        layer_norm (bool): Whether to put a LayerNorm over
            ``[channels, H, W]`` after conv_x, conv_h, conv_m and conv_o.
            Defaults to False.
    """

    def __init__(self,
                 in_channel: int,
                 num_hidden: int,
                 height: int,
                 width: int,
                 filter_size: int,
                 stride: int = 1,
                 layer_norm: bool = False) -> None:
        super().__init__()
        self.num_hidden = num_hidden
        self.padding = filter_size // 2
        self._forget_bias = 1.0  # a constant, not a parameter
        block = dict(kernel_size=filter_size, stride=stride,
                     layer_norm=layer_norm, height=height, width=width)
        self.conv_x = _conv_block(in_channel, num_hidden * 7, **block)
        self.conv_h = _conv_block(num_hidden, num_hidden * 4, **block)
        self.conv_m = _conv_block(num_hidden, num_hidden * 3, **block)
        self.conv_o = _conv_block(num_hidden * 2, num_hidden, **block)
        self.conv_last = nn.Conv2d(num_hidden * 2, num_hidden, kernel_size=1,
                                   stride=1, padding=0, bias=False)

    def forward(
        self, x_t: torch.Tensor, h_t: torch.Tensor, c_t: torch.Tensor,
        m_t: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor,
               torch.Tensor]:
        """One step.

        Args:
            x_t (Tensor): Layer input, (B, Cin, H, W).
            h_t (Tensor): Hidden state, (B, Ch, H, W).
            c_t (Tensor): Temporal cell state, (B, Ch, H, W).
            m_t (Tensor): Spatiotemporal memory, (B, Ch, H, W).

        Returns:
            tuple: ``h_new, c_new, m_new, delta_c, delta_m``, each
            (B, Ch, H, W).
        """
        x_concat = self.conv_x(x_t)
        h_concat = self.conv_h(h_t)
        m_concat = self.conv_m(m_t)
        (i_x, f_x, g_x, i_x_prime, f_x_prime, g_x_prime,
         o_x) = torch.split(x_concat, self.num_hidden, dim=1)
        i_h, f_h, g_h, o_h = torch.split(h_concat, self.num_hidden, dim=1)
        i_m, f_m, g_m = torch.split(m_concat, self.num_hidden, dim=1)

        i_t = torch.sigmoid(i_x + i_h)
        f_t = torch.sigmoid(f_x + f_h + self._forget_bias)
        g_t = torch.tanh(g_x + g_h)
        delta_c = i_t * g_t
        c_new = f_t * c_t + delta_c

        i_t_prime = torch.sigmoid(i_x_prime + i_m)
        f_t_prime = torch.sigmoid(f_x_prime + f_m + self._forget_bias)
        g_t_prime = torch.tanh(g_x_prime + g_m)
        delta_m = i_t_prime * g_t_prime
        m_new = f_t_prime * m_t + delta_m

        mem = torch.cat((c_new, m_new), dim=1)
        o_t = torch.sigmoid(o_x + o_h + self.conv_o(mem))
        h_new = o_t * torch.tanh(self.conv_last(mem))
        return h_new, c_new, m_new, delta_c, delta_m


# ---------------------------------------------------------------------------
# Network (docs/en/model.md)
# ---------------------------------------------------------------------------
class RNN(nn.Module):
    """Stacked ST-LSTM network with zigzag memory, as the authors' ``RNN``.

    Args:
        num_layers (int): Number of stacked cells ``L``.
        num_hidden (int | Sequence[int]): Hidden channels, one int for all
            layers or one per layer. They must all be equal (the zigzag
            memory is passed from layer to layer, and the v2 adapter is
            shared).
        patch_size (int): Patch size ``p``.
        img_channel (int): Channels ``C`` of the unpatched frames.
        img_height (int): Height ``H`` of the unpatched frames.
        img_width (int): Width ``W`` of the unpatched frames.
        input_length (int): Observed frames ``T_in``.
        total_length (int): Clip length ``T = T_in + T_out``.
        filter_size (int): Kernel size of the gate convolutions. Defaults
            to 5.
        stride (int): Convolution stride. Defaults to 1.
        layer_norm (bool): Layer norm in the cells. Defaults to False.
        v2 (bool): PredRNN-V2 (adapter and decoupling loss) if True, PredRNN
            v1 otherwise. Defaults to True.
        decouple_beta (float): Weight ``beta`` of the decoupling loss
            (v2 only). Defaults to 0.1.
        reverse_scheduled_sampling (bool, optional): Mask convention of
            ``forward`` (see the module docstring). Defaults to ``v2``.
    """

    def __init__(self,
                 num_layers: int,
                 num_hidden: Union[int, Sequence[int]],
                 patch_size: int,
                 img_channel: int,
                 img_height: int,
                 img_width: int,
                 input_length: int,
                 total_length: int,
                 filter_size: int = 5,
                 stride: int = 1,
                 layer_norm: bool = False,
                 v2: bool = True,
                 decouple_beta: float = 0.1,
                 reverse_scheduled_sampling: Optional[bool] = None) -> None:
        super().__init__()
        if isinstance(num_hidden, int):
            num_hidden = [num_hidden] * num_layers
        num_hidden = list(num_hidden)
        if len(num_hidden) != num_layers:
            raise ValueError(f'num_hidden has {len(num_hidden)} entries for '
                             f'{num_layers} layers')
        if len(set(num_hidden)) != 1:
            raise ValueError('all layers must have the same hidden size (the '
                             'zigzag memory and the shared v2 adapter need '
                             f'it), got {num_hidden}')
        if img_height % patch_size or img_width % patch_size:
            raise ValueError(f'frame size {img_height}x{img_width} is not '
                             f'divisible by patch_size={patch_size}')
        if not 0 < input_length < total_length:
            raise ValueError('need 0 < input_length < total_length, got '
                             f'{input_length}, {total_length}')

        self.num_layers = num_layers
        self.num_hidden = num_hidden
        self.patch_size = patch_size
        self.frame_channel = patch_size * patch_size * img_channel
        self.input_length = input_length
        self.total_length = total_length
        self.v2 = v2
        self.decouple_beta = decouple_beta
        self.reverse_scheduled_sampling = (
            v2 if reverse_scheduled_sampling is None else
            reverse_scheduled_sampling)
        self.MSE_criterion = nn.MSELoss()

        height = img_height // patch_size
        width = img_width // patch_size
        self.cell_list = nn.ModuleList([
            SpatioTemporalLSTMCell(
                self.frame_channel if i == 0 else num_hidden[i - 1],
                num_hidden[i], height, width, filter_size, stride, layer_norm)
            for i in range(num_layers)
        ])
        self.conv_last = nn.Conv2d(num_hidden[-1], self.frame_channel,
                                   kernel_size=1, stride=1, padding=0,
                                   bias=False)
        if v2:
            # one adapter shared by all layers (memory decoupling)
            self.adapter = nn.Conv2d(num_hidden[0], num_hidden[0], 1,
                                     stride=1, padding=0, bias=False)

    def _decouple_term(self, delta_c: torch.Tensor,
                       delta_m: torch.Tensor) -> torch.Tensor:
        """Mean |cosine| between adapted, flattened, L2-normalised deltas."""
        b, ch = delta_c.shape[:2]
        a = F.normalize(self.adapter(delta_c).view(b, ch, -1), dim=2)
        m = F.normalize(self.adapter(delta_m).view(b, ch, -1), dim=2)
        return torch.mean(torch.abs(torch.cosine_similarity(a, m, dim=2)))

    def forward(self, frames_tensor: torch.Tensor,
                mask_true: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Run the ``T - 1`` steps and return predictions and training loss.

        Args:
            frames_tensor (Tensor): Patched clip, channels last,
                (B, T, H/p, W/p, p*p*C).
            mask_true (Tensor): Ground-truth masks, channels last,
                (B, T-2, H/p, W/p, p*p*C) with reverse scheduled sampling
                or (B, T_out-1, H/p, W/p, p*p*C) with scheduled sampling.

        Returns:
            tuple: ``next_frames`` (B, T-1, H/p, W/p, p*p*C), the predictions
            of frames 1..T-1, and the scalar loss ``MSE(next_frames,
            frames[:, 1:]) + beta * decouple_loss`` (v1: MSE only).
        """
        total_length = self.total_length
        if frames_tensor.shape[1] != total_length:
            raise ValueError(f'expected {total_length} frames, got '
                             f'{frames_tensor.shape[1]}')
        expected = (total_length - 2 if self.reverse_scheduled_sampling else
                    total_length - self.input_length - 1)
        if mask_true.shape[1] != expected:
            raise ValueError(f'expected a mask of {expected} steps, got '
                             f'{mask_true.shape[1]}')

        # [B, T, H, W, C] -> [B, T, C, H, W]
        frames = frames_tensor.permute(0, 1, 4, 2, 3).contiguous()
        mask_true = mask_true.permute(0, 1, 4, 2, 3).contiguous()
        batch, _, _, height, width = frames.shape

        next_frames = []
        h_t = []
        c_t = []
        decouple_loss = []
        for i in range(self.num_layers):
            zeros = frames.new_zeros(batch, self.num_hidden[i], height, width)
            h_t.append(zeros)
            c_t.append(zeros)
        memory = frames.new_zeros(batch, self.num_hidden[0], height, width)

        x_gen = None
        for t in range(total_length - 1):
            if self.reverse_scheduled_sampling:
                if t == 0:
                    net = frames[:, t]
                else:
                    net = (mask_true[:, t - 1] * frames[:, t] +
                           (1 - mask_true[:, t - 1]) * x_gen)
            else:
                if t < self.input_length:
                    net = frames[:, t]
                else:
                    mask = mask_true[:, t - self.input_length]
                    net = mask * frames[:, t] + (1 - mask) * x_gen

            for i in range(self.num_layers):
                inp = net if i == 0 else h_t[i - 1]
                h_t[i], c_t[i], memory, delta_c, delta_m = self.cell_list[i](
                    inp, h_t[i], c_t[i], memory)
                if self.v2:
                    decouple_loss.append(self._decouple_term(delta_c, delta_m))

            x_gen = self.conv_last(h_t[self.num_layers - 1])
            next_frames.append(x_gen)

        # [T-1, B, C, H, W] -> [B, T-1, H, W, C]
        next_frames = torch.stack(next_frames, dim=0).permute(
            1, 0, 3, 4, 2).contiguous()
        loss = self.MSE_criterion(next_frames, frames_tensor[:, 1:])
        if self.v2:
            loss = loss + self.decouple_beta * torch.mean(
                torch.stack(decouple_loss, dim=0))
        return next_frames, loss


def build_baseline(num_layers: int = 4,
                   num_hidden: int = 128,
                   kernel_size: int = 5,
                   patch_size: int = 4,
                   frame_channels: int = 1,
                   height: int = 64,
                   width: int = 64,
                   in_frames: int = 10,
                   out_frames: int = 10,
                   layer_norm: bool = False,
                   v2: bool = True,
                   beta: float = 0.1) -> RNN:
    """Build the baseline network with the project's argument names.

    Defaults are the paper's Moving MNIST model (23,855,104 parameters for
    v2). v2 uses reverse scheduled sampling masks, v1 scheduled sampling.
    """
    return RNN(num_layers=num_layers, num_hidden=num_hidden,
               patch_size=patch_size, img_channel=frame_channels,
               img_height=height, img_width=width, input_length=in_frames,
               total_length=in_frames + out_frames, filter_size=kernel_size,
               layer_norm=layer_norm, v2=v2, decouple_beta=beta)


# ---------------------------------------------------------------------------
# Patching (docs/en/model.md), numpy, channels last
# ---------------------------------------------------------------------------
def reshape_patch(img_tensor: np.ndarray, patch_size: int) -> np.ndarray:
    """(B, T, H, W, C) -> (B, T, H/p, W/p, p*p*C).

    Pixel ``(row = hp*p + i, col = wp*p + j, channel c)`` goes to channel
    ``(i*p + j)*C + c`` of patch ``(hp, wp)``.
    """
    assert img_tensor.ndim == 5
    b, t, h, w, c = img_tensor.shape
    p = patch_size
    if h % p or w % p:
        raise ValueError(f'frame size {h}x{w} is not divisible by '
                         f'patch_size={p}')
    a = np.reshape(img_tensor, (b, t, h // p, p, w // p, p, c))
    a = np.transpose(a, (0, 1, 2, 4, 3, 5, 6))
    return np.reshape(a, (b, t, h // p, w // p, p * p * c))


def reshape_patch_back(patch_tensor: np.ndarray,
                       patch_size: int) -> np.ndarray:
    """(B, T, H/p, W/p, p*p*C) -> (B, T, H, W, C); inverse of
    :func:`reshape_patch`."""
    assert patch_tensor.ndim == 5
    b, t, hp, wp, ch = patch_tensor.shape
    p = patch_size
    c = ch // (p * p)
    a = np.reshape(patch_tensor, (b, t, hp, wp, p, p, c))
    a = np.transpose(a, (0, 1, 2, 4, 3, 5, 6))
    return np.reshape(a, (b, t, hp * p, wp * p, c))


# ---------------------------------------------------------------------------
# Sampling masks (docs/en/model.md), numpy, as the authors' run.py / trainer.py
# ---------------------------------------------------------------------------
def _random(rng: Optional[np.random.Generator],
            size: Tuple[int, ...]) -> np.ndarray:
    """Uniform [0, 1) samples; the global numpy state if ``rng`` is None."""
    if rng is None:
        return np.random.random_sample(size)
    return rng.random(size)


def _expand(tokens: np.ndarray, img_height: int, img_width: int,
            img_channel: int, patch_size: int) -> np.ndarray:
    """(B, S) booleans -> full-size float32 masks (B, S, H/p, W/p, p*p*C)."""
    shape = (img_height // patch_size, img_width // patch_size,
             patch_size**2 * img_channel)
    mask = np.empty(tokens.shape + shape, dtype=np.float32)
    mask[...] = tokens.astype(np.float32)[..., None, None, None]
    return mask


def reserve_schedule_sampling_exp(itr: int,
                                  batch_size: int,
                                  input_length: int = 10,
                                  total_length: int = 20,
                                  img_height: int = 64,
                                  img_width: int = 64,
                                  img_channel: int = 1,
                                  patch_size: int = 4,
                                  r_sampling_step_1: float = 25000,
                                  r_sampling_step_2: float = 50000,
                                  r_exp_alpha: float = 2500,
                                  rng: Optional[np.random.Generator] = None
                                  ) -> np.ndarray:
    """Reverse scheduled sampling masks of iteration ``itr`` (PredRNN-V2).

    Encoder steps ``t = 1..T_in-1`` see ground truth with probability
    ``r_eta`` (0.5 before ``s1``, ``1 - 0.5 exp(-(itr - s1) / alpha)`` until
    ``s2``, 1 after); decoder steps ``t = T_in..T-2`` with probability
    ``eta`` (0.5 before ``s1``, linear down to 0 at ``s2``, 0 after).

    Returns:
        np.ndarray: float32 (B, T-2, H/p, W/p, p*p*C); index ``t-1`` is step
        ``t``.
    """
    s1, s2 = r_sampling_step_1, r_sampling_step_2
    if itr < s1:
        r_eta = 0.5
    elif itr < s2:
        r_eta = 1.0 - 0.5 * math.exp(-float(itr - s1) / r_exp_alpha)
    else:
        r_eta = 1.0

    if itr < s1:
        eta = 0.5
    elif itr < s2:
        eta = 0.5 - (0.5 / (s2 - s1)) * (itr - s1)
    else:
        eta = 0.0

    r_true_token = _random(rng, (batch_size, input_length - 1)) < r_eta
    true_token = _random(
        rng, (batch_size, total_length - input_length - 1)) < eta
    tokens = np.concatenate([r_true_token, true_token], axis=1)
    return _expand(tokens, img_height, img_width, img_channel, patch_size)


def schedule_sampling(eta: float,
                      itr: int,
                      batch_size: int,
                      input_length: int = 10,
                      total_length: int = 20,
                      img_height: int = 64,
                      img_width: int = 64,
                      img_channel: int = 1,
                      patch_size: int = 4,
                      scheduled_sampling: bool = True,
                      sampling_stop_iter: int = 50000,
                      sampling_changing_rate: float = 0.00002,
                      rng: Optional[np.random.Generator] = None
                      ) -> Tuple[float, np.ndarray]:
    """Scheduled sampling masks of iteration ``itr`` (PredRNN v1).

    Stateful like the authors' loop: start with ``eta = 1.0`` and call with
    ``itr = 1, 2, ...``, feeding back the returned ``eta``; then the decoder
    ground-truth probability at iteration ``itr`` is
    ``max(0, 1 - itr * rate)`` before ``sampling_stop_iter`` and 0 from it on.

    Returns:
        tuple: The new ``eta`` and float32 masks (B, T_out-1, H/p, W/p,
        p*p*C); index ``t - T_in`` is step ``t``.
    """
    steps = total_length - input_length - 1
    if not scheduled_sampling:
        return 0.0, _expand(np.zeros((batch_size, steps), dtype=bool),
                            img_height, img_width, img_channel, patch_size)
    if itr < sampling_stop_iter:
        eta = max(0.0, eta - sampling_changing_rate)
    else:
        eta = 0.0
    true_token = _random(rng, (batch_size, steps)) < eta
    return eta, _expand(true_token, img_height, img_width, img_channel,
                        patch_size)


def inference_mask(batch_size: int,
                   input_length: int = 10,
                   total_length: int = 20,
                   img_height: int = 64,
                   img_width: int = 64,
                   img_channel: int = 1,
                   patch_size: int = 4,
                   reverse_scheduled_sampling: bool = True) -> np.ndarray:
    """Test-time masks as the authors' ``trainer.test`` builds them.

    Encoder steps use ground truth, decoder steps the previous prediction.

    Returns:
        np.ndarray: float32, (B, T-2, ...) with the first ``T_in - 1`` steps
        set to 1 for reverse scheduled sampling, or all-zero
        (B, T_out-1, ...) for scheduled sampling.
    """
    if reverse_scheduled_sampling:
        tokens = np.zeros((batch_size, total_length - 2), dtype=bool)
        tokens[:, :input_length - 1] = True
    else:
        tokens = np.zeros((batch_size, total_length - input_length - 1),
                          dtype=bool)
    return _expand(tokens, img_height, img_width, img_channel, patch_size)


# ---------------------------------------------------------------------------
# Checkpoints (docs/en/model.md, parameter names)
# ---------------------------------------------------------------------------
def save_authors_checkpoint(model: nn.Module, path: str, itr: int) -> str:
    """Write ``{'net_param': state_dict}`` as ``<path>/model.ckpt-<itr>``.

    Args:
        model (nn.Module): The network (e.g. :class:`RNN`).
        path (str): Directory (the authors' ``save_dir``); created if
            missing.
        itr (int): Iteration number in the file name.

    Returns:
        str: The path of the written file.
    """
    os.makedirs(path, exist_ok=True)
    checkpoint_path = os.path.join(path, f'model.ckpt-{itr}')
    torch.save({'net_param': model.state_dict()}, checkpoint_path)
    return checkpoint_path

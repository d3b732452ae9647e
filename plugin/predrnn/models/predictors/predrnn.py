"""PredRNN (v1) as an mmengine ``BaseModel`` (Wang et al., NeurIPS 2017).

The wrapper owns what the recurrent core should not know about: patching
(through :class:`VideoDataPreprocessor`), the training curriculum, the loss
and the three forward modes of mmengine.
"""
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper

from predrnn.engine.finite_loss import check_finite_losses
from predrnn.engine.iteration_seed_hook import CURRICULUM_SEED_KEY
from predrnn.registry import MODELS, SCOPE
from ..curricula import (BaseCurriculum, clip_seeds, global_batch_positions,
                         inference_mask)
from ..networks import PredRNNNet
from ..utils import (CheckpointFormatError, describe_mismatch,
                     infer_hyperparams, unpatch_frames)

ConfigType = Union[dict, Any]


REVERSE_INPUT_MODES = ('two_steps', 'one_step')


def check_reverse_input(value: Union[bool, str, None]) -> Optional[str]:
    """``'two_steps'``, ``'one_step'`` or None (off), with a clear error for
    anything else; ``True`` is refused because it meant one step before the
    authors' two-step recipe existed here."""
    if value is None or value is False:
        return None
    if value in REVERSE_INPUT_MODES:
        return value
    raise ValueError(
        f'reverse_input={value!r} is not an option: use \'two_steps\' (the '
        f'authors\' recipe: an optimizer step on the clips, then one on '
        f'their time reversals), \'one_step\' (one step on both, losses '
        f'averaged) or False.')


def build_component(cfg: ConfigType) -> Any:
    """Build a nested component (data preprocessor, curriculum) from the
    plugin's registry with ``_scope_='predrnn'``, so bare type names work
    whatever the caller's default scope (e.g. a config outside the
    ``predrnn`` scope naming only ``type='predrnn.PredRNNv2'``)."""
    if not isinstance(cfg, dict):
        return cfg
    cfg = dict(cfg)
    cfg.setdefault('_scope_', SCOPE)
    return MODELS.build(cfg)


@MODELS.register_module()
class PredRNN(BaseModel):
    """PredRNN v1: ST-LSTM stack, zigzag memory, scheduled sampling.

    Args:
        in_frames (int): Observed frames ``T_in``. Defaults to 10.
        out_frames (int): Predicted frames ``T_out``. Defaults to 10.
        frame_channels (int): Image channels ``C``. Defaults to 1.
        num_layers (int): ST-LSTM layers. Defaults to 4.
        num_hidden (int): Hidden channels of every layer. Defaults to 128.
        kernel_size (int): Gate kernel. Defaults to 5.
        layer_norm (bool): LayerNorm in the cells. Defaults to False.
        frame_size (Tuple[int, int], optional): ``(H, W)`` of the frames;
            needed only with ``layer_norm`` (the LayerNorm shape).
        sampling (dict): Curriculum config. Defaults to
            ``ScheduledSampling`` (rate 2e-5, stop 50000).
        reverse_input (str | bool): Also train on the time-reversed clips
            each iteration, with the clip's curriculum mask (as the
            authors). ``'two_steps'``: the authors' recipe, two optimizer
            steps per iteration, one on the clips, then one on their
            reversals with the updated weights (:meth:`two_step_train`; the
            logged losses are the mean of both). ``'one_step'``: one step on
            the mean loss of the clips and their reversals (one forward over
            ``2B`` clips: half the updates, twice the activation memory).
            False: no reversed clips. Defaults to False.
        channels_last (bool): Run the core in the NHWC memory format (same
            function; faster on some hardware, see :class:`PredRNNNet`).
            Defaults to False.
        activation_checkpointing (bool): Recompute each time step in the
            backward pass instead of storing its activations: much less
            training memory for one extra forward pass. Defaults to False.
        compile (bool | dict): Compile each time step of the recurrence
            with ``torch.compile`` (``True`` or ``torch.compile`` arguments,
            e.g. ``dict(mode='reduce-overhead')`` for CUDA graphs); see
            :class:`PredRNNNet`. Use this rather than the Runner's
            ``compile``, which would trace all steps unrolled. Defaults to
            False.
        data_preprocessor (dict): Defaults to
            ``VideoDataPreprocessor(patch_size=4)``.
        init_cfg (dict, optional): mmengine weight initialisation.
    """

    decouple = False

    def __init__(self,
                 in_frames: int = 10,
                 out_frames: int = 10,
                 frame_channels: int = 1,
                 num_layers: int = 4,
                 num_hidden: int = 128,
                 kernel_size: int = 5,
                 layer_norm: bool = False,
                 frame_size: Optional[Tuple[int, int]] = None,
                 sampling: Optional[ConfigType] = None,
                 reverse_input: Union[bool, str] = False,
                 channels_last: bool = False,
                 activation_checkpointing: bool = False,
                 compile: Union[bool, dict] = False,
                 data_preprocessor: Optional[ConfigType] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='VideoDataPreprocessor', patch_size=4)
        super().__init__(
            data_preprocessor=build_component(data_preprocessor),
            init_cfg=init_cfg)
        if in_frames < 1 or out_frames < 1:
            raise ValueError(f'in_frames and out_frames must be >= 1, got '
                             f'{in_frames} and {out_frames}.')
        self.in_frames, self.out_frames = in_frames, out_frames
        self.frame_channels = frame_channels
        self.patch_size = self.data_preprocessor.patch_size
        spatial = None
        if layer_norm:
            if frame_size is None:
                raise ValueError('layer_norm=True needs frame_size=(H, W).')
            spatial = (frame_size[0] // self.patch_size,
                       frame_size[1] // self.patch_size)
        self.frame_size = frame_size
        self.net = PredRNNNet(
            in_channels=frame_channels * self.patch_size ** 2,
            num_hidden=num_hidden, num_layers=num_layers,
            kernel_size=kernel_size, layer_norm=layer_norm,
            spatial_size=spatial, decouple=self.decouple,
            channels_last=channels_last,
            activation_checkpointing=activation_checkpointing,
            compile=compile)
        if sampling is None:
            sampling = self.default_sampling()
        self.sampling: BaseCurriculum = build_component(sampling)
        self.reverse_input = check_reverse_input(reverse_input)
        self.register_load_state_dict_pre_hook(self._check_incoming_weights)

    @staticmethod
    def default_sampling() -> dict:
        return dict(type='ScheduledSampling', rate=2e-5, stop_iter=50000)

    def _check_incoming_weights(self, module, state_dict, prefix, *args
                                ) -> None:
        """Refuse weights that cannot belong to this model, with a message
        naming the mismatch, before any tensor is copied (``load_from``,
        ``resume`` and tools/test.py all load through here). mmengine loads
        with ``strict=False`` and would otherwise only log a warning and
        keep random weights."""
        net_prefix = prefix + 'net.'
        incoming = {k[len(net_prefix):]: v for k, v in state_dict.items()
                    if k.startswith(net_prefix)}
        if not any(k.startswith('cell_list.') for k in incoming):
            sample = ', '.join(sorted(state_dict)[:4]) or 'none'
            raise CheckpointFormatError(
                f'The checkpoint holds no weights of this model (first keys: '
                f'{sample}). A checkpoint of the authors\' code or of '
                f'OpenSTL must first be converted: python '
                f'tools/convert_checkpoint.py SRC DST.')
        message = describe_mismatch(
            infer_hyperparams(self.net.state_dict()),
            infer_hyperparams(incoming), self.patch_size,
            self.frame_channels)
        if message:
            raise CheckpointFormatError(message)

    @property
    def total_frames(self) -> int:
        return self.in_frames + self.out_frames

    # ------------------------------------------------------------------ #
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[Any] = None,
                mode: str = 'tensor',
                gt_mask: Optional[torch.Tensor] = None
                ) -> Union[Dict[str, torch.Tensor], List[dict], torch.Tensor]:
        """Dispatch on ``mode``.

        Args:
            inputs (torch.Tensor): Patched clips ``(B, T, p*p*C, H/p, W/p)``
                from the data preprocessor. ``'tensor'`` also accepts only
                the ``T_in`` observed frames.
            data_samples: Unused (kept for mmengine's interface).
            mode (str): ``'loss'``: dict of losses. ``'predict'``: one dict
                per clip with ``pred``/``gt`` ``(T_out, C, H, W)`` and
                ``inputs`` ``(T_in, C, H, W)``, unpatched, ``pred`` not
                clipped. ``'tensor'``: raw predictions of frames
                ``1 .. T-1`` ``(B, T-1, C, H, W)``, deterministic.
            gt_mask (torch.Tensor, optional): ``'loss'`` only: the
                ``(B, T-1)`` curriculum mask to use instead of drawing one.
        """
        if mode == 'loss':
            return self.loss(inputs, gt_mask)
        if mode == 'predict':
            return self.predict(inputs)
        if mode == 'tensor':
            return self.unpatch(self.infer(inputs))
        raise ValueError(f'Unknown mode {mode!r}; use "loss", "predict" or '
                         f'"tensor".')

    def unpatch(self, frames: torch.Tensor) -> torch.Tensor:
        return unpatch_frames(frames, self.patch_size)

    def check_clip(self, inputs: torch.Tensor, allow_observed_only: bool = False
                   ) -> None:
        """Clear errors for clips whose length or channels the model was not
        built for."""
        if inputs.dim() != 5:
            raise ValueError(f'Expected patched clips (B, T, C, H, W), got '
                             f'shape {tuple(inputs.shape)}.')
        lengths = ((self.in_frames, self.total_frames) if allow_observed_only
                   else (self.total_frames, ))
        if inputs.shape[1] not in lengths:
            raise ValueError(
                f'Clips have {inputs.shape[1]} frames but the model expects '
                f'in_frames + out_frames = {self.in_frames} + '
                f'{self.out_frames} = {self.total_frames}; fix the dataset '
                f'lengths or the model config.')
        channels = self.frame_channels * self.patch_size ** 2
        if inputs.shape[2] != channels:
            raise ValueError(
                f'Patched clips have {inputs.shape[2]} channels; the model '
                f'expects frame_channels * patch_size**2 = '
                f'{self.frame_channels} * {self.patch_size}**2 = {channels}.')

    def current_iteration(self) -> int:
        """Global training iteration, from mmengine's MessageHub (updated by
        RuntimeInfoHook before every train iteration and restored on
        resume)."""
        return int(MessageHub.get_current_instance().get_info('iter', 0))

    def curriculum_mask(self, batch_size: int,
                        device: Optional[torch.device] = None
                        ) -> torch.Tensor:
        """This iteration's ``(B, T-1)`` ground-truth mask for the clips of
        this process's batch.

        Each clip's row comes from its own key ``(seed, iteration,
        position in the global batch)`` (see
        :mod:`predrnn.models.curricula.clip_keys`): clips and ranks get
        different masks, and a clip gets the same mask whatever the number
        of processes. The seed is the run's, published by
        ``IterationSeedHook``; without that hook (a model used outside a
        Runner) it is drawn from torch's global generator.
        """
        hub = MessageHub.get_current_instance()
        seed = hub.get_info(CURRICULUM_SEED_KEY)
        if seed is None:
            seed = int(torch.randint(2**62, ()))
        iteration = self.current_iteration()
        keys = clip_seeds(seed, iteration, global_batch_positions(batch_size))
        return self.sampling.sample(batch_size, self.in_frames,
                                    self.total_frames, iteration, device,
                                    keys=keys)

    @property
    def trains_in_two_steps(self) -> bool:
        """True when a training iteration takes two optimizer steps
        (``reverse_input='two_steps'``); the plugin's DDP wrapper then runs
        :meth:`two_step_train`."""
        return self.reverse_input == 'two_steps'

    # ------------------------------------------------------------------ #
    def loss(self, inputs: torch.Tensor,
             gt_mask: Optional[torch.Tensor] = None
             ) -> Dict[str, torch.Tensor]:
        """Curriculum-sampled forward pass and the training losses (with
        ``reverse_input='one_step'`` over the clips and their reversals)."""
        self.check_clip(inputs)
        if gt_mask is None:
            if self.trains_in_two_steps:
                raise RuntimeError(
                    "reverse_input='two_steps' takes its two optimizer steps "
                    'in train_step; forward(mode=\'loss\') without gt_mask '
                    'would train on the clips only. Under DDP use '
                    "model_wrapper_cfg=dict(type='predrnn."
                    "DeviceAgnosticDistributedDataParallel') (the default "
                    "runtime's), which calls two_step_train.")
            gt_mask = self.curriculum_mask(inputs.shape[0], inputs.device)
        mask = gt_mask.to(device=inputs.device, dtype=inputs.dtype)
        if self.reverse_input == 'one_step':
            inputs = torch.cat([inputs, inputs.flip(1)])
            mask = mask.repeat(2, 1)
        preds, decouple = self.net(inputs, mask,
                                   return_decouple_loss=self.decouple)
        losses = dict(loss_recon=F.mse_loss(preds, inputs[:, 1:]))
        if self.decouple:
            losses.update(self.decouple_losses(decouple))
        return losses

    def decouple_losses(self, decouple: torch.Tensor) -> Dict[str, torch.Tensor]:
        return {}

    def infer(self, inputs: torch.Tensor) -> torch.Tensor:
        """Deterministic rollout: encoder steps see the ground truth, decoder
        steps the previous prediction. Returns patched ``(B, T-1, ...)``."""
        return self.net(*self.rollout_inputs(inputs))[0]

    def rollout_inputs(self, inputs: torch.Tensor
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
        """The full-length clip (observed-only ``inputs`` padded with zeros:
        the mask never selects them) and the ``(B, T-1)`` inference mask."""
        self.check_clip(inputs, allow_observed_only=True)
        if inputs.shape[1] == self.in_frames:  # future unknown: pad
            pad = inputs.new_zeros(inputs.shape[0], self.out_frames,
                                   *inputs.shape[2:])
            inputs = torch.cat([inputs, pad], dim=1)
        mask = inference_mask(inputs.shape[0], self.in_frames,
                              self.total_frames, inputs.device)
        return inputs, mask

    def predict(self, inputs: torch.Tensor) -> List[Dict[str, torch.Tensor]]:
        """One dict per clip: ``pred``, ``gt`` and ``inputs`` (see forward)."""
        self.check_clip(inputs)
        preds = self.unpatch(self.infer(inputs)[:, self.in_frames - 1:])
        clips = self.unpatch(inputs)
        return [
            dict(pred=p, gt=c[self.in_frames:], inputs=c[:self.in_frames])
            for p, c in zip(preds, clips)
        ]

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """mmengine's training step, or with ``reverse_input='two_steps'``
        the authors' two steps (:meth:`two_step_train`)."""
        if self.trains_in_two_steps:
            return self.two_step_train(self, data, optim_wrapper)
        return super().train_step(data, optim_wrapper)

    def two_step_train(self, model: nn.Module, data: Union[dict, tuple,
                                                           list],
                       optim_wrapper: OptimWrapper
                       ) -> Dict[str, torch.Tensor]:
        """The authors' iteration: an optimizer step on the clips, then one
        on their time reversals with the updated weights, both under the
        curriculum mask drawn once for the iteration (the authors reuse
        ``real_input_flag`` for the reversed clip).

        Args:
            model (nn.Module): This model, or the DDP wrapper around it
                (which calls this method): the forward passes go through it
                so that DDP averages each step's gradients over the ranks.
            data: The batch, as for ``train_step``.
            optim_wrapper (OptimWrapper): Steps twice per call.

        Returns:
            dict: The mean of the two steps' log variables (the authors log
            the mean of the two costs).

        Each step is one ``update_params`` call: with gradient accumulation
        (``accumulative_counts=k``) each counts as one of the ``k``.
        """
        data = self.data_preprocessor(data, True)
        inputs = data['inputs']
        self.check_clip(inputs)
        mask = self.curriculum_mask(inputs.shape[0], inputs.device)
        steps = []
        for clips in (inputs, inputs.flip(1)):
            with optim_wrapper.optim_context(model):
                losses = model(clips, mode='loss', gt_mask=mask)
            loss, log_vars = self.parse_losses(losses)
            optim_wrapper.update_params(loss)
            steps.append(log_vars)
        return OrderedDict((key, (value.detach() + steps[1][key].detach()) / 2)
                           for key, value in steps[0].items())

    def parse_losses(self, losses: Dict[str, torch.Tensor]
                     ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """mmengine's parsing, then stop on a non-finite loss before the
        optimizer applies it (also under DDP, which calls this method). One
        device sync; the per-loss report is built only on failure."""
        loss, log_vars = super().parse_losses(losses)
        if not torch.isfinite(loss.detach()):
            check_finite_losses(log_vars)
        return loss, log_vars

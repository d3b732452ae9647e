"""PredRNN (v1) as an mmengine ``BaseModel`` (Wang et al., NeurIPS 2017).

The model owns what the recurrent network (its ``backbone``) should not
know about: patching (through :class:`VideoDataPreprocessor`), the training
curriculum, the loss, the three forward modes of mmengine and forecasts in
data units. The backbone is a config part: the plain ST-LSTM stack or a
conditioned one (actions, side information).
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
from predrnn.registry import MODELS, SCOPE
from ..curricula import (CURRICULUM_SEED_KEY, BaseCurriculum, clip_seeds,
                         global_batch_positions, inference_mask)
from ..utils import (CheckpointFormatError, check_patchable,
                     describe_mismatch, infer_hyperparams, patch_frames,
                     patched_shape, unpatch_frames)

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


#: Flat model arguments of older configs that belong to the backbone.
BACKBONE_KEYS = ('num_layers', 'num_hidden', 'kernel_size', 'layer_norm',
                 'channels_last', 'activation_checkpointing', 'compile',
                 'predict_change')


def backbone_config(backbone: Optional[dict], default_type: str,
                    **flat: Any) -> dict:
    """The backbone config: ``backbone`` (its ``type`` defaults to
    ``default_type``) with the flat keys of older configs that are not
    None merged in (they win: a config inheriting the backbone form may
    still override ``num_hidden`` the old way)."""
    cfg = {'type': default_type, **(backbone or {})}
    cfg.update({k: v for k, v in flat.items() if v is not None})
    return cfg


@MODELS.register_module()
class PredRNN(BaseModel):
    """PredRNN v1: ST-LSTM stack, zigzag memory, scheduled sampling.

    Args:
        in_frames (int): Observed frames ``T_in``. Defaults to 10.
        out_frames (int): Predicted frames ``T_out``. Defaults to 10.
        frame_channels (int): Image channels ``C``. Defaults to 1.
        backbone (dict, optional): The recurrent network,
            ``dict(type='PredRNNNet', num_layers=4, num_hidden=128,
            kernel_size=5)`` (the default) or a conditioned one,
            ``dict(type='ActionPredRNNNet', condition_channels=A, ...)``.
            The model sets ``in_channels`` (``frame_channels *
            patch_size**2``), ``decouple`` (v2) and, with ``layer_norm``,
            ``spatial_size`` (``frame_size / patch_size``).
        frame_size (Tuple[int, int], optional): ``(H, W)`` of the frames;
            needed only with a layer-norm backbone (the LayerNorm shape).
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
            False: no reversed clips. Refused with a conditioned backbone
            (reversed clips would need reversed conditions). Defaults to
            False.
        l1_weight (float): Weight of an L1 term (mean absolute error over
            the same elements as the MSE) added to the loss as
            ``loss_l1``. L1 weighs small errors more than MSE does, which
            favours keeping small structures over averaging them away.
            Defaults to 0 (MSE only, the paper's loss).
        data_preprocessor (dict): Defaults to
            ``VideoDataPreprocessor(patch_size=4)``; a conditioned backbone
            needs ``ConditionedVideoDataPreprocessor``.
        init_cfg (dict, optional): mmengine weight initialisation.
        num_layers, num_hidden, kernel_size, layer_norm, channels_last,
            activation_checkpointing, compile, predict_change: the flat
            form of older configs, merged into ``backbone`` (see
            :class:`PredRNNNet` for their meaning: ``compile`` compiles each
            time step, so use it rather than the Runner's ``compile``, which
            would trace all steps unrolled; ``predict_change`` starts the
            model as copy-last).
    """

    decouple = False
    default_backbone = 'PredRNNNet'

    def __init__(self,
                 in_frames: int = 10,
                 out_frames: int = 10,
                 frame_channels: int = 1,
                 backbone: Optional[dict] = None,
                 frame_size: Optional[Tuple[int, int]] = None,
                 sampling: Optional[ConfigType] = None,
                 reverse_input: Union[bool, str] = False,
                 l1_weight: float = 0.,
                 data_preprocessor: Optional[ConfigType] = None,
                 init_cfg: Optional[dict] = None,
                 num_layers: Optional[int] = None,
                 num_hidden: Optional[int] = None,
                 kernel_size: Optional[int] = None,
                 layer_norm: Optional[bool] = None,
                 channels_last: Optional[bool] = None,
                 activation_checkpointing: Optional[bool] = None,
                 compile: Union[bool, dict, None] = None,
                 predict_change: Optional[bool] = None) -> None:
        if not l1_weight >= 0:
            raise ValueError(f'l1_weight must be >= 0 (0: MSE only), got '
                             f'{l1_weight!r}.')
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
        self.data_preprocessor.reserve_channels(frame_channels)
        self.frame_size = frame_size
        self.net = self.build_backbone(backbone_config(
            backbone, self.default_backbone, num_layers=num_layers,
            num_hidden=num_hidden, kernel_size=kernel_size,
            layer_norm=layer_norm, channels_last=channels_last,
            activation_checkpointing=activation_checkpointing,
            compile=compile, predict_change=predict_change))
        self.l1_weight = float(l1_weight)
        if sampling is None:
            sampling = self.default_sampling()
        self.sampling: BaseCurriculum = build_component(sampling)
        self.reverse_input = check_reverse_input(reverse_input)
        if self.reverse_input and self.condition_channels:
            raise ValueError(
                f'reverse_input={reverse_input!r} is not supported with a '
                f'conditioned backbone: a time-reversed clip would need '
                f'time-reversed conditions, whose meaning depends on the '
                f'data.')
        self.register_load_state_dict_pre_hook(self._check_incoming_weights)

    def init_weights(self) -> None:
        """mmengine's initialisation (``init_cfg``); then, in the
        change mode and unless the config loads weights (``Pretrained``),
        the output head back at zero, so the model still starts as
        copy-last when an ``init_cfg`` re-initialises every ``Conv2d``."""
        super().init_weights()
        cfgs = self.init_cfg or []
        cfgs = [cfgs] if isinstance(cfgs, dict) else cfgs
        if not any(str(c.get('type')).endswith('Pretrained') for c in cfgs):
            self.net.reset_output_head()

    def build_backbone(self, cfg: dict) -> nn.Module:
        """Build the recurrent network with what the model knows: the
        patched channels, decoupling (v2) and the layer-norm grid."""
        known = dict(in_channels=self.frame_channels * self.patch_size ** 2,
                     decouple=self.decouple)
        for key, value in known.items():
            if cfg.setdefault(key, value) != value:
                raise ValueError(
                    f'backbone {key}={cfg[key]!r} contradicts the model '
                    f'({value!r}, from frame_channels, patch_size and the '
                    f'model type): leave {key} out of the backbone config.')
        if cfg.get('layer_norm') and cfg.get('spatial_size') is None:
            if self.frame_size is None:
                raise ValueError('layer_norm=True needs frame_size=(H, W) '
                                 'on the model (the LayerNorm shape).')
            cfg['spatial_size'] = patched_shape(
                self.frame_channels, *self.frame_size, self.patch_size)[1:]
        return build_component(cfg)

    @property
    def condition_channels(self) -> int:
        """Numbers per condition vector the backbone reads (0: none)."""
        return self.net.condition_channels

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
        own = self.net.state_dict()
        message = describe_mismatch(
            infer_hyperparams(own), infer_hyperparams(incoming),
            self.patch_size, self.frame_channels) or ''
        wrong = [f'{k}: checkpoint {tuple(v.shape)}, model '
                 f'{tuple(own[k].shape)}' for k, v in incoming.items()
                 if k in own and tuple(v.shape) != tuple(own[k].shape)]
        if wrong:
            message += (
                '\nTensors of the checkpoint do not fit this model (check '
                'the backbone: num_hidden, kernel_size, condition_channels, '
                'fusion, conv_on_input; and the patch size):\n  '
                + '\n  '.join(wrong))
        if message:
            raise CheckpointFormatError(message.strip())

    @property
    def total_frames(self) -> int:
        return self.in_frames + self.out_frames

    # ------------------------------------------------------------------ #
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[Any] = None,
                mode: str = 'tensor',
                conditions: Optional[torch.Tensor] = None,
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
                clipped (and the clip's ``conditions``). ``'tensor'``: raw
                predictions of frames ``1 .. T-1`` ``(B, T-1, C, H, W)``,
                deterministic.
            conditions (torch.Tensor, optional): ``(B, T, A)`` for a
                conditioned backbone (all ``T`` frames, also when
                ``'tensor'`` gets only the observed ones: the future
                conditions are what the forecast follows); given by
                ``ConditionedVideoDataPreprocessor``.
            gt_mask (torch.Tensor, optional): ``'loss'`` only: the
                ``(B, T-1)`` curriculum mask to use instead of drawing one.
        """
        if conditions is not None:
            conditions = torch.as_tensor(conditions).to(inputs.device,
                                                        torch.float32)
        if mode == 'loss':
            return self.loss(inputs, gt_mask, conditions)
        if mode == 'predict':
            return self.predict(inputs, conditions)
        if mode == 'tensor':
            return self.unpatch(self.infer(inputs, conditions))
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
             gt_mask: Optional[torch.Tensor] = None,
             conditions: Optional[torch.Tensor] = None
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
        preds, decouple = self.net(inputs, mask, conditions=conditions,
                                   return_decouple_loss=self.decouple)
        target = inputs[:, 1:]
        losses = dict(loss_recon=F.mse_loss(preds, target))
        if self.l1_weight:
            losses['loss_l1'] = self.l1_weight * F.l1_loss(preds, target)
        if self.decouple:
            losses.update(self.decouple_losses(decouple))
        return losses

    def decouple_losses(self, decouple: torch.Tensor) -> Dict[str, torch.Tensor]:
        return {}

    def infer(self, inputs: torch.Tensor,
              conditions: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Deterministic rollout: encoder steps see the ground truth, decoder
        steps the previous prediction. Returns patched ``(B, T-1, ...)``."""
        clip, mask = self.rollout_inputs(inputs)
        return self.net(clip, mask, conditions=conditions)[0]

    def rollout_inputs(self, inputs: torch.Tensor,
                       future: Optional[int] = None
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
        """The full-length clip and the ``(B, T-1)`` inference mask.

        Observed-only ``inputs`` (``T_in`` frames) are padded with
        ``future`` frames of zeros (default ``out_frames``; the mask never
        selects them), so a forecast may run past the trained horizon.
        """
        self.check_clip(inputs, allow_observed_only=True)
        if inputs.shape[1] == self.in_frames:  # future unknown: pad
            future = self.out_frames if future is None else future
            pad = inputs.new_zeros(inputs.shape[0], future,
                                   *inputs.shape[2:])
            inputs = torch.cat([inputs, pad], dim=1)
        mask = inference_mask(inputs.shape[0], self.in_frames,
                              inputs.shape[1], inputs.device)
        return inputs, mask

    def predict(self, inputs: torch.Tensor,
                conditions: Optional[torch.Tensor] = None
                ) -> List[Dict[str, torch.Tensor]]:
        """One dict per clip: ``pred``, ``gt`` and ``inputs`` (see forward),
        and the clip's ``conditions`` ``(T, A)`` when given."""
        self.check_clip(inputs)
        preds = self.unpatch(self.infer(inputs, conditions)[
            :, self.in_frames - 1:])
        clips = self.unpatch(inputs)
        results = [
            dict(pred=p, gt=c[self.in_frames:], inputs=c[:self.in_frames])
            for p, c in zip(preds, clips)
        ]
        if conditions is not None:
            for result, cond in zip(results, conditions):
                result['conditions'] = cond
        return results

    @torch.no_grad()
    def forecast(self, observed: torch.Tensor, future: int,
                 conditions: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Predict ``future`` frames after ``observed``, in data units.

        The recurrence is length-agnostic: past the trained ``out_frames``
        it keeps feeding its own predictions (quality degrades: errors
        compound and predictions blur).

        Args:
            observed (torch.Tensor): ``(B, T_obs, C, H, W)`` in data units
                (any dtype), ``T_obs >= in_frames``; the last ``in_frames``
                are used.
            future (int): Frames to predict, any number >= 1.
            conditions (torch.Tensor, optional): Conditioned backbones: one
                row per frame of the ``in_frames + future`` window,
                ``(B, T, A)`` or ``(T, A)`` (the same for every clip);
                row ``t`` acts between window frames ``t`` and ``t + 1``.

        Returns:
            torch.Tensor: float32 ``(B, future, C, H, W)`` in data units,
            not clipped. Without a normalisation, uint8 input gives 0..255
            and float input (taken as it is, in [0, 1]) gives [0, 1].
        """
        self.check_observed(observed, future)
        pre = self.data_preprocessor
        device = next(self.parameters()).device
        frames = pre.normalize(observed[:, -self.in_frames:].to(device))
        if conditions is not None:
            conditions = torch.as_tensor(conditions).to(device, torch.float32)
            if conditions.dim() == 2:
                conditions = conditions.expand(frames.shape[0], -1, -1)
        clip, mask = self.rollout_inputs(
            patch_frames(frames, self.patch_size), future)
        preds = self.net(clip, mask, conditions=conditions)[0]
        frames = self.unpatch(preds[:, self.in_frames - 1:])
        if pre.normalization is None and observed.is_floating_point():
            return frames.float()  # the input's units are the model's
        return pre.denormalize(frames)

    def check_observed(self, observed: torch.Tensor, future: int) -> None:
        """Clear errors for observed frames (data units) the model cannot
        forecast from."""
        if observed.dim() != 5:
            raise ValueError(f'observed must be (B, T, C, H, W), got shape '
                             f'{tuple(observed.shape)}')
        if observed.shape[1] < self.in_frames:
            raise ValueError(f'{observed.shape[1]} frames given; the model '
                             f'needs in_frames = {self.in_frames} observed '
                             f'frames.')
        if observed.shape[2] != self.frame_channels:
            raise ValueError(
                f'The input has {observed.shape[2]} channels but the model '
                f'was trained on {self.frame_channels}; convert the input '
                "(color='rgb' or 'gray') or use a matching checkpoint.")
        if future < 1:
            raise ValueError(f'future must be >= 1, got {future}')
        size, trained = tuple(observed.shape[-2:]), self.frame_size
        if trained and size != tuple(trained) and any(
                isinstance(m, nn.LayerNorm) for m in self.modules()):
            raise ValueError(
                f'The input frames are {size[0]}x{size[1]} but the model '
                f'(layer_norm) was built for {trained[0]}x{trained[1]}; set '
                f"resize={tuple(trained)} on the config's test dataset "
                '(tools/predict.py applies it) or resize the input.')
        check_patchable(*size, self.patch_size)

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

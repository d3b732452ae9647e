"""Action-conditioned PredRNN-V2 (Wang et al., TPAMI 2022, Sec. 5.4; SPEC
section 10): forecasts steered by one condition vector per frame.

The conditions are any ``A`` numbers per frame: a robot's actions (BAIR),
velocity commands, a one-hot developmental stage, a time stamp.
``conditions[:, t]`` acts between frames ``t`` and ``t + 1``; rolling out
with other future conditions gives "what if" forecasts. Decoupling loss and
reverse scheduled sampling are those of :class:`PredRNNv2`.
"""
from typing import Any, Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F

from predrnn.registry import MODELS
from ..networks.action_predrnn_net import ActionPredRNNNet
from ..utils import CheckpointFormatError, patched_shape
from .predrnn_v2 import PredRNNv2

_UNSUPPORTED = dict(
    reverse_input='a time-reversed clip would need time-reversed actions, '
    'whose meaning depends on the data',
    channels_last='not implemented for the conditioned core',
    activation_checkpointing='not implemented for the conditioned core',
    compile='not implemented for the conditioned core')


@MODELS.register_module()
class ActionCondPredRNNv2(PredRNNv2):
    """PredRNN-V2 conditioned on a per-frame vector.

    Args:
        condition_channels (int): ``A``, numbers per condition vector
            (BAIR: 4).
        fusion (str): ``'multiplicative'`` (the authors': ``conv_a`` of the
            condition multiplies the hidden-path gate pre-activations) or
            ``'additive'`` (the condition concatenated to every layer input).
            Defaults to ``'multiplicative'``.
        conv_on_input (bool): The authors' stride-2 frame and condition
            encoders and transposed-convolution decoder. Defaults to False.
        res_on_conv (bool): Encoder-to-decoder skips. Defaults to False.
        cell_bias (bool): Biases in the multiplicative cells, as the
            authors'. Defaults to True.
        num_layers, num_hidden, kernel_size, layer_norm, frame_size: as
            :class:`PredRNN`; ``frame_size`` ``(H, W)`` is needed with
            ``layer_norm``.
        data_preprocessor (dict): Defaults to
            ``ConditionedVideoDataPreprocessor(patch_size=4)``.
        **kwargs: the other arguments of :class:`PredRNNv2` (``in_frames``,
            ``out_frames``, ``frame_channels``, ``beta``, ``sampling`` ...).
            ``reverse_input``, ``channels_last``,
            ``activation_checkpointing`` and ``compile`` are refused.

    ``forward(inputs, data_samples, mode, conditions)``: ``conditions`` is
    float ``(B, T, A)`` (``T = in_frames + out_frames``; ``T - 1`` also
    works), given by the data preprocessor; required in every mode, also
    when ``'tensor'`` gets only the observed frames (the future conditions
    are what the forecast follows).
    """

    def __init__(self,
                 condition_channels: int,
                 fusion: str = 'multiplicative',
                 conv_on_input: bool = False,
                 res_on_conv: bool = False,
                 cell_bias: bool = True,
                 num_layers: int = 4,
                 num_hidden: int = 128,
                 kernel_size: int = 5,
                 layer_norm: bool = False,
                 frame_size: Optional[Tuple[int, int]] = None,
                 data_preprocessor: Optional[Union[dict, Any]] = None,
                 **kwargs) -> None:
        for name, why in _UNSUPPORTED.items():
            if kwargs.pop(name, False):
                raise ValueError(f'{type(self).__name__}: {name}=True is not '
                                 f'supported ({why}).')
        if data_preprocessor is None:
            data_preprocessor = dict(type='ConditionedVideoDataPreprocessor',
                                     patch_size=4)
        # PredRNN.__init__ builds an unconditioned core; give it the
        # smallest one (1 layer, 1 channel) and replace it below.
        super().__init__(num_layers=1, num_hidden=1, kernel_size=1,
                         frame_size=frame_size,
                         data_preprocessor=data_preprocessor, **kwargs)
        spatial = None
        if layer_norm:
            if frame_size is None:
                raise ValueError('layer_norm=True needs frame_size=(H, W).')
            spatial = patched_shape(self.frame_channels, *frame_size,
                                    self.patch_size)[1:]
        self.net = ActionPredRNNNet(
            in_channels=self.frame_channels * self.patch_size ** 2,
            condition_channels=condition_channels, num_hidden=num_hidden,
            num_layers=num_layers, kernel_size=kernel_size,
            layer_norm=layer_norm, spatial_size=spatial,
            conv_on_input=conv_on_input, res_on_conv=res_on_conv,
            fusion=fusion, cell_bias=cell_bias)
        self.condition_channels = condition_channels

    def _check_incoming_weights(self, module, state_dict, prefix, *args
                                ) -> None:
        """Every tensor present on both sides must have the model's shape
        (encoders, ``conv_a``, decoder), so a wrong ``condition_channels``
        or ``num_hidden`` is refused with names rather than logged as a
        warning by mmengine; then the checks of :class:`PredRNN` (no
        weights of this model, layer count, layer norm). Shapes first: the
        unconditioned account of ``conv_x`` would read an additive model's
        condition channels as frame channels and suggest a wrong
        ``patch_size``."""
        own = self.net.state_dict()
        net_prefix = prefix + 'net.'
        wrong = [f'{k}: checkpoint {tuple(v.shape)}, model '
                 f'{tuple(own[k].shape)}'
                 for key, v in state_dict.items()
                 if key.startswith(net_prefix)
                 and (k := key[len(net_prefix):]) in own
                 and tuple(v.shape) != tuple(own[k].shape)]
        if wrong:
            raise CheckpointFormatError(
                'The checkpoint does not fit this conditioned model (check '
                'condition_channels, num_hidden, conv_on_input, fusion, '
                'patch_size):\n  ' + '\n  '.join(wrong))
        super()._check_incoming_weights(module, state_dict, prefix, *args)

    # ------------------------------------------------------------------ #
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[Any] = None,
                mode: str = 'tensor',
                conditions: Optional[torch.Tensor] = None,
                gt_mask: Optional[torch.Tensor] = None
                ) -> Union[Dict[str, torch.Tensor], List[dict], torch.Tensor]:
        """As :meth:`PredRNN.forward`, with the ``(B, T, A)`` conditions."""
        if conditions is None:
            raise ValueError(
                f'{type(self).__name__} needs conditions (B, T, A): use '
                f'ConditionedVideoDataPreprocessor and a dataset whose items '
                f'carry "conditions" (e.g. ControllableMovingMNIST).')
        conditions = torch.as_tensor(conditions).to(inputs.device,
                                                    torch.float32)
        if mode == 'loss':
            return self.loss(inputs, conditions, gt_mask)
        if mode == 'predict':
            return self.predict(inputs, conditions)
        if mode == 'tensor':
            return self.unpatch(self.infer(inputs, conditions))
        raise ValueError(f'Unknown mode {mode!r}; use "loss", "predict" or '
                         f'"tensor".')

    def loss(self, inputs: torch.Tensor, conditions: torch.Tensor,
             gt_mask: Optional[torch.Tensor] = None
             ) -> Dict[str, torch.Tensor]:
        """Curriculum-sampled forward pass and the training losses (the
        mask drawn as :meth:`PredRNN.curriculum_mask` unless given)."""
        self.check_clip(inputs)
        if gt_mask is None:
            gt_mask = self.curriculum_mask(inputs.shape[0], inputs.device)
        mask = gt_mask.to(device=inputs.device, dtype=inputs.dtype)
        preds, decouple = self.net(inputs, conditions, mask,
                                   return_decouple_loss=True)
        losses = dict(loss_recon=F.mse_loss(preds, inputs[:, 1:]))
        losses.update(self.decouple_losses(decouple))
        return losses

    def infer(self, inputs: torch.Tensor,
              conditions: torch.Tensor) -> torch.Tensor:
        """Deterministic rollout following ``conditions`` (all ``T``
        frames' worth, even when ``inputs`` holds only the observed
        frames). Returns patched ``(B, T-1, ...)``."""
        inputs, mask = self.rollout_inputs(inputs)
        return self.net(inputs, conditions, mask)[0]

    def predict(self, inputs: torch.Tensor,
                conditions: torch.Tensor) -> List[Dict[str, torch.Tensor]]:
        """One dict per clip: ``pred``, ``gt``, ``inputs`` (as
        :meth:`PredRNN.predict`) and the clip's ``conditions`` ``(T, A)``."""
        self.check_clip(inputs)
        preds = self.infer(inputs, conditions)[:, self.in_frames - 1:]
        preds = self.unpatch(preds)
        clips = self.unpatch(inputs)
        return [
            dict(pred=p, gt=c[self.in_frames:], inputs=c[:self.in_frames],
                 conditions=a)
            for p, c, a in zip(preds, clips, conditions)
        ]

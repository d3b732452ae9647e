"""Clips plus one condition vector per frame (actions, stages, time stamps)."""
from typing import Any, Dict, Sequence, Union

import torch

from predrnn.registry import MODELS
from .video_data_preprocessor import VideoDataPreprocessor


@MODELS.register_module()
class ConditionedVideoDataPreprocessor(VideoDataPreprocessor):
    """:class:`VideoDataPreprocessor` that also hands ``conditions`` to the
    model (as the ``conditions`` keyword of ``forward``).

    Input ``data['conditions']``: ``(B, T, A)`` tensor (or a list of
    ``(T, A)``), any numeric dtype; output: float32 ``(B, T, A)`` on the
    model's device, unscaled (conditions are the user's numbers, e.g.
    velocities or one-hot stages). The model checks that they cover the
    clip's frames (also the future ones when only the observed frames are
    given, as for a "what if" rollout).

    Args:
        patch_size (int): ``p``, side of the square patches folded into
            channels. Defaults to 4.
        non_blocking (bool): Asynchronous host-to-device copies.
            Defaults to True.
    """

    def forward(self, data: Union[Dict[str, Any], Sequence],
                training: bool = False) -> Dict[str, Any]:
        out = super().forward(data, training)
        if 'conditions' not in data:
            raise KeyError(
                'The batch has no "conditions" entry: a conditioned model '
                'needs one vector per frame, (B, T, A). Use a dataset whose '
                'items carry "conditions" (e.g. ControllableMovingMNIST), or '
                'VideoDataPreprocessor for an unconditioned model.')
        conditions = data['conditions']
        if isinstance(conditions, (list, tuple)):
            conditions = torch.stack([torch.as_tensor(c) for c in conditions])
        conditions = torch.as_tensor(conditions)
        inputs = out['inputs']
        if conditions.dim() != 3 or conditions.shape[0] != inputs.shape[0]:
            raise ValueError(
                f'conditions must be (B, T, A) for the {inputs.shape[0]} '
                f'clips of the batch, got shape {tuple(conditions.shape)}: '
                f'give one vector of A numbers per frame.')
        out['conditions'] = conditions.to(
            self.device, non_blocking=self._non_blocking).float()
        return out

"""Ground-truth masks for training curricula (scheduled sampling, reverse
scheduled sampling).

At step ``t`` the core sees ``x[0]`` (t = 0) or
``mask * x[t] + (1 - mask) * x_hat[t]``. A curriculum gives the probability
that a step sees the ground truth, separately for encoder steps
(``1 <= t < T_in``) and decoder steps (``T_in <= t <= T-2``), as a pure
function of the global training iteration: a resumed run continues the same
curriculum. Masks hold one Bernoulli value per (clip, step), broadcast over
channels and pixels. In training each clip draws its row from its own key
(:mod:`.clip_keys`), so a clip's mask does not depend on how the batch is
split over processes; without keys the rows come from a torch generator.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch


class BaseCurriculum:
    """Draws ``(B, T-1)`` ground-truth masks from per-phase probabilities."""

    def probabilities(self, iteration: int) -> Tuple[float, float]:
        """``(p_encoder, p_decoder)``: chance that a step sees the ground
        truth at global iteration ``iteration``."""
        raise NotImplementedError

    def sample(self,
               batch_size: int,
               in_frames: int,
               total_frames: int,
               iteration: int,
               device: Optional[torch.device] = None,
               generator: Optional[torch.Generator] = None,
               keys: Optional[Sequence[np.random.SeedSequence]] = None
               ) -> torch.Tensor:
        """Draw a training mask.

        Args:
            batch_size (int): Clips ``B``.
            in_frames (int): ``T_in``.
            total_frames (int): ``T``.
            iteration (int): Global training iteration (sets the
                probabilities).
            device (torch.device, optional): Device of the mask.
            generator (torch.Generator, optional): Used when ``keys`` is
                None (the global generator if None too).
            keys (Sequence[np.random.SeedSequence], optional): One key per
                clip (:func:`~.clip_keys.clip_seeds`): row ``b`` is then
                ``uniform(keys[b]) < p``, a function of that key alone.

        Returns:
            torch.Tensor: float ``(B, T-1)``; column 0 is always 1.
        """
        p_enc, p_dec = self.probabilities(iteration)
        probs = torch.empty(total_frames - 1, dtype=torch.float64)
        probs[0] = 1.0
        probs[1:in_frames] = p_enc
        probs[in_frames:] = p_dec
        if keys is None:
            probs = probs.to(device=device, dtype=torch.float32)
            return torch.bernoulli(probs.expand(batch_size, -1),
                                   generator=generator)
        if len(keys) != batch_size:
            raise ValueError(f'Got {len(keys)} clip keys for a batch of '
                             f'{batch_size}.')
        uniform = torch.from_numpy(np.stack(
            [np.random.default_rng(key).random(total_frames - 1)
             for key in keys]))
        return (uniform < probs).to(device=device, dtype=torch.float32)

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v!r}' for k, v in vars(self).items())
        return f'{type(self).__name__}({args})'


def inference_mask(batch_size: int, in_frames: int, total_frames: int,
                   device: Optional[torch.device] = None) -> torch.Tensor:
    """Deterministic test-time mask: encoder steps see the ground truth,
    decoder steps the model's previous output. Shape ``(B, T-1)``."""
    mask = torch.zeros(batch_size, total_frames - 1, device=device)
    mask[:, :in_frames] = 1.0
    return mask

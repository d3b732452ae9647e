"""Reverse scheduled sampling of PredRNN-V2 (TPAMI 2022, Sec. 4.2)."""
import math
from typing import Tuple

from predrnn.registry import MODELS
from .base_curriculum import BaseCurriculum


@MODELS.register_module()
class ReverseScheduledSampling(BaseCurriculum):
    """Encoder steps move from 50% to 100% ground truth (exponentially),
    decoder steps from 50% to 0% (linearly), between iterations ``s1`` and
    ``s2``. This forces the encoder to learn long-term dynamics from its own
    context early in training.

    Args:
        s1 (int): Start of the transition. Defaults to 25000.
        s2 (int): End of the transition. Defaults to 50000.
        alpha (float): Exponential decay of the encoder schedule. Defaults to
            2500 (the authors' script; OpenSTL uses 5000).
    """

    def __init__(self, s1: int = 25000, s2: int = 50000,
                 alpha: float = 2500.) -> None:
        if not 0 <= s1 < s2:
            raise ValueError(f'Need 0 <= s1 < s2, got s1={s1}, s2={s2}.')
        if alpha <= 0:
            raise ValueError(f'alpha must be positive, got {alpha}.')
        self.s1, self.s2, self.alpha = s1, s2, alpha

    def probabilities(self, iteration: int) -> Tuple[float, float]:
        if iteration < self.s1:
            return 0.5, 0.5
        if iteration < self.s2:
            r_eta = 1.0 - 0.5 * math.exp(-(iteration - self.s1) / self.alpha)
            eta = 0.5 - 0.5 * (iteration - self.s1) / (self.s2 - self.s1)
            return r_eta, eta
        return 1.0, 0.0

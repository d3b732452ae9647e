"""Classic scheduled sampling (Bengio et al., 2015) as used by PredRNN v1."""
from typing import Tuple

from predrnn.registry import MODELS
from .base_curriculum import BaseCurriculum


@MODELS.register_module()
class ScheduledSampling(BaseCurriculum):
    """Encoder steps always see the ground truth; decoder steps see it with
    probability ``eta = max(0, 1 - iteration * rate)`` until ``stop_iter``,
    then never.

    Args:
        rate (float): Linear decay per iteration. Defaults to 2e-5.
        stop_iter (int): Iteration from which ``eta = 0``. Defaults to 50000.
    """

    def __init__(self, rate: float = 2e-5, stop_iter: int = 50000) -> None:
        if rate < 0 or stop_iter < 0:
            raise ValueError(f'rate and stop_iter must be non-negative, got '
                             f'rate={rate}, stop_iter={stop_iter}.')
        self.rate, self.stop_iter = rate, stop_iter

    def probabilities(self, iteration: int) -> Tuple[float, float]:
        if iteration >= self.stop_iter:
            return 1.0, 0.0
        return 1.0, max(0.0, 1.0 - iteration * self.rate)


@MODELS.register_module()
class TeacherForcing(BaseCurriculum):
    """Every step sees the ground truth (no curriculum)."""

    def probabilities(self, iteration: int) -> Tuple[float, float]:
        return 1.0, 1.0

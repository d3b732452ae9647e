"""PredRNN-V2 (Wang et al., TPAMI 2022, arXiv 2103.09504): PredRNN plus the
memory decoupling loss and reverse scheduled sampling."""
from typing import Dict

import torch

from predrnn.registry import MODELS
from .predrnn import PredRNN


@MODELS.register_module()
class PredRNNv2(PredRNN):
    """PredRNN-V2.

    Args:
        beta (float): Weight of the decoupling loss (0.1 for Moving MNIST).
            With ``beta=0`` (the ablation) the loss is still computed and
            logged as ``decouple_cos`` but does not train anything, so the
            adapter takes part in every step and DDP needs no
            ``find_unused_parameters``. Defaults to 0.1.
        **kwargs: Arguments of :class:`PredRNN`; ``sampling`` defaults to
            ``ReverseScheduledSampling(25000, 50000, 2500)``.

    The loss dict holds ``loss_recon`` (MSE over all ``T-1`` predicted
    frames), ``loss_l1`` (``l1_weight * L1``, only when ``l1_weight > 0``)
    and ``loss_decouple`` (``beta * L_decouple``); mmengine sums them and
    logs them separately, together with the raw ``decouple_cos``.
    """

    decouple = True

    def __init__(self, beta: float = 0.1, **kwargs) -> None:
        if beta < 0:
            raise ValueError(f'beta must be >= 0, got {beta}.')
        super().__init__(**kwargs)
        self.beta = beta

    @staticmethod
    def default_sampling() -> dict:
        return dict(type='ReverseScheduledSampling', s1=25000, s2=50000,
                    alpha=2500)

    def decouple_losses(self, decouple: torch.Tensor) -> Dict[str, torch.Tensor]:
        return dict(loss_decouple=self.beta * decouple,
                    decouple_cos=decouple.detach())

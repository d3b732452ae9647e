"""Memory decoupling loss of PredRNN-V2 (TPAMI 2022, Eq. 7)."""
import torch
import torch.nn.functional as F


def decoupling_loss(delta_c: torch.Tensor, delta_m: torch.Tensor) -> torch.Tensor:
    """Mean absolute per-channel cosine between two memory increments.

    The increments are expected to have gone through the shared adapter
    ``W_dec`` already. Each ``(sample, channel)`` map is flattened over space
    and L2-normalised; the loss is ``|<a, b>|`` averaged over every leading
    index (steps, layers, samples) and channel. The paper writes a sum; the
    authors' code (and every published ``beta``) uses this mean.

    Args:
        delta_c (torch.Tensor): ``(..., Ch, H, W)``, ``W_dec(dC)``.
        delta_m (torch.Tensor): same shape, ``W_dec(dM)``.

    Returns:
        torch.Tensor: scalar in ``[0, 1]``.
    """
    if delta_c.shape != delta_m.shape:
        raise ValueError(f'Memory increments differ in shape: '
                         f'{tuple(delta_c.shape)} vs {tuple(delta_m.shape)}.')
    a = F.normalize(delta_c.flatten(-2), dim=-1)
    b = F.normalize(delta_m.flatten(-2), dim=-1)
    return (a * b).sum(-1).abs().mean()

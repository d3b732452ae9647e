"""FLOPs and parameter counts through fvcore.

fvcore counts one multiply-accumulate as one FLOP, the field's convention
(the published 116.6 GFLOPs of PredRNN-V2 on Moving MNIST are MACs).
"""
from typing import Dict, Tuple

import torch
import torch.nn as nn
from fvcore.nn import FlopCountAnalysis, flop_count_table, parameter_count

from predrnn.models.curricula import inference_mask
from predrnn.models.utils import patch_frames


class _Rollout(nn.Module):
    """Traceable deterministic rollout of a :class:`PredRNN` on one clip.

    With ``with_decoupling`` the memory-decoupling adapter runs too, as in
    the reference implementations' forward pass (and hence in their
    published FLOPs); without it, what inference alone costs.
    """

    def __init__(self, model: nn.Module, with_decoupling: bool) -> None:
        super().__init__()
        self.model = model
        self.with_decoupling = with_decoupling and model.net.decouple

    def forward(self, patched: torch.Tensor) -> torch.Tensor:
        m = self.model
        mask = inference_mask(patched.shape[0], m.in_frames, m.total_frames,
                              patched.device)
        preds, loss = m.net(patched, mask,
                            return_decouple_loss=self.with_decoupling)
        return preds if loss is None else preds + 0 * loss


def count_complexity(model: nn.Module, shape: Tuple[int, int, int, int],
                     max_depth: int = 3) -> Dict[str, object]:
    """Count FLOPs (MACs) for one clip and the parameters of ``model``.

    Args:
        model (nn.Module): A built :class:`PredRNN` / :class:`PredRNNv2`.
        shape (tuple): ``(T, C, H, W)`` of one clip, ``T = T_in + T_out``.
        max_depth (int): Depth of the per-module table. Defaults to 3.

    Returns:
        dict: ``flops`` (as the reference implementations count and
        publish: their forward always applies the decoupling adapter and
        convolves the all-zero first states), ``flops_inference`` (what our
        inference executes: no adapter, no convolutions of zeros),
        ``params`` and ``table`` (per module, of ``flops``, str).
    """
    t, c, h, w = shape
    if t != model.total_frames or c != model.frame_channels:
        raise ValueError(
            f'--shape T C H W = {shape} does not fit the model: it expects '
            f'T = {model.total_frames} frames of C = {model.frame_channels} '
            f'channels.')
    model = model.eval()
    device = next(model.parameters()).device
    patched = patch_frames(torch.zeros(1, t, c, h, w, device=device),
                           model.patch_size)
    skip = model.net.skip_zero_states
    try:  # fvcore traces lazily: evaluate while the flag is set
        with torch.no_grad():
            model.net.skip_zero_states = False
            analysis = _analysis(_Rollout(model, True), patched)
            flops = analysis.total()
            table = flop_count_table(analysis, max_depth=max_depth)
            model.net.skip_zero_states = True
            executed = _analysis(_Rollout(model, False), patched).total()
    finally:
        model.net.skip_zero_states = skip
    return dict(flops=flops, flops_inference=executed,
                params=parameter_count(model)[''], table=table)


def _analysis(module: nn.Module, patched: torch.Tensor) -> FlopCountAnalysis:
    """fvcore's analysis of one traced rollout, warnings off."""
    analysis = FlopCountAnalysis(module, (patched, ))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return analysis

"""The PredRNN authors' evaluation, to compare with the papers' tables.

The authors' test (``core/trainer.py`` of thuml/predrnn-pytorch) differs from
OpenSTL's and ours in two ways:

- the prediction is clipped to [0, 1] *before* the per-frame MSE (ours and
  OpenSTL's use the raw prediction, so values outside [0, 1] cost);
- PSNR and SSIM are computed on frames quantised to uint8 by truncation,
  ``np.uint8(x * 255)`` (so 0.999 becomes 254), with peak 255 and, for SSIM,
  scikit-image's ``structural_similarity`` on the uint8 frames (data range
  255, 7 x 7 window, channels averaged).

Two details are deliberately not copied: a perfect frame scores 100 dB (the
authors' code gives infinity, which makes any average infinite), and the
ground truth is clipped to [0, 1] before the quantisation (it is in [0, 1]
already for their data; the clip only stops uint8 from wrapping around).
The authors' log also prints "mse per seq", the sum over the ``T_out``
frames; the papers' tables report the per-frame value, which is ours.
"""
from typing import Any, Dict

import numpy as np
import torch

from .frame_metrics import as_float64, error_sums, frame_psnr, frame_ssim

#: Peak of uint8 frames.
UINT8_PEAK = 255.0


def quantize_like_authors(frames: Any) -> Any:
    """Clip to [0, 1] and truncate to uint8 as ``np.uint8(x * 255)`` does.

    Args:
        frames (np.ndarray | torch.Tensor): Frames in [0, 1] nominally, any
            shape.

    Returns:
        uint8 array or tensor (on the frames' device) of the same shape.
    """
    if isinstance(frames, torch.Tensor):
        scaled = frames.clamp(0.0, 1.0) * UINT8_PEAK
        return scaled.to(torch.uint8)  # truncates towards zero
    scaled = np.clip(frames, 0.0, 1.0) * UINT8_PEAK
    return scaled.astype(np.uint8)  # float -> uint8 truncates towards zero


def authors_clip_frame_metrics(pred: Any, gt: Any) -> Dict[str, Any]:
    """MSE, MAE, PSNR and SSIM in the authors' convention.

    Args:
        pred (np.ndarray | torch.Tensor): Raw predicted future frames,
            (T_out, C, H, W) or a batch (B, T_out, C, H, W).
        gt (np.ndarray | torch.Tensor): Ground-truth future frames in
            [0, 1], same shape.

    Returns:
        dict: ``'mse'``, ``'mae'`` (prediction clipped to [0, 1]; the
        authors report no MAE, this is its clipped analogue), ``'psnr'``,
        ``'ssim'`` (uint8 frames), each of shape (T_out,) or (B, T_out):
        numpy for numpy input, else tensors on the frames' device.
    """
    as_numpy = not isinstance(pred, torch.Tensor)
    pred = as_float64(pred)
    gt = as_float64(gt, pred.device)
    clipped = pred.clamp(0.0, 1.0)
    pred_q = quantize_like_authors(pred).double()
    gt_q = quantize_like_authors(gt).double()
    mse, mae = error_sums(clipped, gt)
    out = dict(
        mse=mse,
        mae=mae,
        psnr=frame_psnr(pred_q, gt_q, data_range=UINT8_PEAK),
        ssim=frame_ssim(pred_q, gt_q, data_range=UINT8_PEAK))
    if as_numpy:
        out = {name: values.cpu().numpy() for name, values in out.items()}
    return out

"""Per-frame error measures of video prediction, as the field reports them.

Every function takes a clip of predicted and ground-truth frames of shape
``(T, C, H, W)`` (numpy, values nominally in [0, 1]) and returns one value per
frame, an array of shape ``(T,)``. They follow the conventions of the PredRNN
papers (Wang et al., TPAMI 2022, arXiv 2103.09504) and of OpenSTL
(Tan et al., NeurIPS 2023 Datasets and Benchmarks):

- MSE and MAE are *sums* over channels and pixels of the squared / absolute
  error ("MSE per frame"): on 64 x 64 Moving MNIST a value of 24 means an
  average squared error of 24 / 4096 per pixel.
- PSNR is ``-10 log10(mean squared error over the frame / peak^2)``; the
  peak is 1.0 for frames in [0, 1]. A perfect frame would give infinity; the
  relative mean squared error is floored at :data:`MSE_FLOOR` so PSNR is
  capped at :data:`PSNR_CAP_DB` (100 dB) and averages over frames and clips
  stay finite.
- SSIM is scikit-image's ``structural_similarity`` (7 x 7 uniform window,
  sample covariance, K1 = 0.01, K2 = 0.03) on each frame, with channels
  averaged for ``C > 1`` and an explicit ``data_range``.

Which inputs are clipped is the caller's choice; see
:class:`~predrnn.evaluation.VideoPredictionMetric`.
"""
from typing import Callable

import numpy as np
from skimage.metrics import structural_similarity

#: Floor of the per-frame mean squared error used by :func:`frame_psnr`.
MSE_FLOOR = 1e-10
#: PSNR given to a frame whose mean squared error is below ``MSE_FLOOR``
#: (``-10 log10(MSE_FLOOR)``; the cap is continuous).
PSNR_CAP_DB = 100.0
#: Side of the uniform SSIM window (scikit-image's default without Gaussian
#: weights, the one OpenSTL and the PredRNN code use).
SSIM_WIN_SIZE = 7


def _check_clips(pred: np.ndarray, gt: np.ndarray) -> None:
    """Raise if ``pred`` and ``gt`` are not two clips of the same shape."""
    if pred.ndim != 4 or pred.shape != gt.shape:
        raise ValueError('pred and gt must both have shape (T, C, H, W); got '
                         f'{tuple(pred.shape)} and {tuple(gt.shape)}')


def _frame_error_sum(pred: np.ndarray, gt: np.ndarray,
                     measure: Callable[[np.ndarray], np.ndarray]
                     ) -> np.ndarray:
    """``measure(pred - gt)`` in float64, summed per frame, shape (T,)."""
    _check_clips(pred, gt)
    err = np.subtract(pred, gt, dtype=np.float64)  # no float64 copies
    return measure(err).sum(axis=(1, 2, 3))


def frame_mse(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Sum over channels and pixels of the squared error, per frame.

    Args:
        pred (np.ndarray): Predicted frames, shape (T, C, H, W).
        gt (np.ndarray): Ground-truth frames, shape (T, C, H, W).

    Returns:
        np.ndarray: Shape (T,), float64.
    """
    return _frame_error_sum(pred, gt, np.square)


def frame_mae(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Sum over channels and pixels of the absolute error, per frame.

    Args:
        pred (np.ndarray): Predicted frames, shape (T, C, H, W).
        gt (np.ndarray): Ground-truth frames, shape (T, C, H, W).

    Returns:
        np.ndarray: Shape (T,), float64.
    """
    return _frame_error_sum(pred, gt, np.abs)


def frame_psnr(pred: np.ndarray,
               gt: np.ndarray,
               data_range: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio per frame, capped.

    ``-10 log10(max(mean squared error / data_range^2, MSE_FLOOR))``: a frame
    whose relative mean squared error is below ``MSE_FLOOR`` (1e-10) scores
    ``PSNR_CAP_DB`` (100 dB) instead of infinity, whatever the peak.

    Args:
        pred (np.ndarray): Predicted frames, shape (T, C, H, W), within
            ``data_range`` of each other (e.g. [0, 1]).
        gt (np.ndarray): Ground-truth frames, shape (T, C, H, W).
        data_range (float): The peak, i.e. the range of possible values: 1.0
            for frames in [0, 1], 255 for uint8, ``hi - lo`` in data units.
            Defaults to 1.0.

    Returns:
        np.ndarray: Shape (T,), float64, in dB.
    """
    _check_clips(pred, gt)
    err = np.subtract(pred, gt, dtype=np.float64)  # no float64 copies
    mse = np.square(err).mean(axis=(1, 2, 3)) / float(data_range)**2
    return -10.0 * np.log10(np.maximum(mse, MSE_FLOOR))


def frame_ssim(pred: np.ndarray,
               gt: np.ndarray,
               data_range: float = 1.0) -> np.ndarray:
    """Structural similarity per frame, with scikit-image.

    One ``structural_similarity`` call per frame (the only Python loop), on
    ``(H, W)`` arrays for one channel and on ``(H, W, C)`` arrays with
    ``channel_axis=-1`` (channels averaged) otherwise. On 64 x 64 frames this
    costs about 0.25 ms per frame; a vectorised re-implementation with
    ``scipy.ndimage.uniform_filter`` over the whole clip is no faster, since
    the filtering itself dominates.

    Args:
        pred (np.ndarray): Predicted frames, shape (T, C, H, W).
        gt (np.ndarray): Ground-truth frames, shape (T, C, H, W). H and W must
            be at least 7.
        data_range (float): Dynamic range of the frames, which sets the SSIM
            stabilising constants ``(0.01 R)^2`` and ``(0.03 R)^2``. 1.0 is
            right for frames in [0, 1]. Defaults to 1.0.

    Returns:
        np.ndarray: Shape (T,), float64.
    """
    _check_clips(pred, gt)
    pred = pred.astype(np.float64, copy=False)
    gt = gt.astype(np.float64, copy=False)
    num_frames, channels = pred.shape[:2]
    if channels == 1:
        pred_frames, gt_frames, channel_axis = pred[:, 0], gt[:, 0], None
    else:
        pred_frames = pred.transpose(0, 2, 3, 1)
        gt_frames = gt.transpose(0, 2, 3, 1)
        channel_axis = -1
    out = np.empty(num_frames, dtype=np.float64)
    for t in range(num_frames):
        out[t] = structural_similarity(
            gt_frames[t],
            pred_frames[t],
            win_size=SSIM_WIN_SIZE,
            data_range=data_range,
            channel_axis=channel_axis)
    return out

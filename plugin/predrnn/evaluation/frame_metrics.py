"""Per-frame error measures of video prediction, as the field reports them.

Every function takes predicted and ground-truth frames of shape
``(T, C, H, W)`` or a batch of clips ``(B, T, C, H, W)``, values nominally
in [0, 1], and returns one value per frame, shape ``(T,)`` or ``(B, T)``,
in float64. The prediction may also broadcast to the ground truth's shape,
e.g. ``(B, 1, C, H, W)`` for one frame repeated over the clip (the
copy-last-frame baseline), and is then measured without being repeated.
Torch tensors are measured on their own device (GPU clips stay on the GPU)
and give a tensor there; numpy arrays give a numpy array. They follow the conventions of the PredRNN papers (Wang et al., TPAMI 2022,
arXiv 2103.09504) and of OpenSTL (Tan et al., NeurIPS 2023 Datasets and
Benchmarks):

- MSE and MAE are *sums* over channels and pixels of the squared / absolute
  error ("MSE per frame"): on 64 x 64 Moving MNIST a value of 24 means an
  average squared error of 24 / 4096 per pixel.
- PSNR is ``-10 log10(mean squared error over the frame / peak^2)``; the
  peak is 1.0 for frames in [0, 1]. A perfect frame would give infinity; the
  relative mean squared error is floored at :data:`MSE_FLOOR` so PSNR is
  capped at :data:`PSNR_CAP_DB` (100 dB) and averages over frames and clips
  stay finite.
- SSIM is scikit-image's ``structural_similarity`` (7 x 7 uniform window,
  sample covariance, K1 = 0.01, K2 = 0.03, mean over the window positions
  inside the frame) on each frame, with channels averaged for ``C > 1`` and
  an explicit ``data_range``, computed here for whole batches in torch.

Which inputs are clipped is the caller's choice; see
:class:`~predrnn.evaluation.VideoPredictionMetric`.
"""
import functools
from typing import Any, Callable, Tuple, Union

import numpy as np
import torch

#: Floor of the per-frame mean squared error used by :func:`frame_psnr`.
MSE_FLOOR = 1e-10
#: PSNR given to a frame whose mean squared error is below ``MSE_FLOOR``
#: (``-10 log10(MSE_FLOOR)``; the cap is continuous).
PSNR_CAP_DB = 100.0
#: Side of the uniform SSIM window (scikit-image's default without Gaussian
#: weights, the one OpenSTL and the PredRNN code use).
SSIM_WIN_SIZE = 7
#: SSIM stabilising constants relative to the data range (scikit-image's).
SSIM_K1, SSIM_K2 = 0.01, 0.03

Frames = Union[np.ndarray, torch.Tensor]
#: A number, or a tensor broadcastable to the result, e.g. (B, 1) per clip.
Range = Union[float, torch.Tensor]


def as_float64(frames: Any, device: Any = None) -> torch.Tensor:
    """A tensor or array as a float64 tensor (on ``device`` if given)."""
    if not isinstance(frames, torch.Tensor):
        frames = np.asarray(frames)
        if not frames.flags.writeable:  # e.g. np.broadcast_to
            frames = frames.copy()
        frames = torch.from_numpy(frames)
    return frames.detach().to(device=device, dtype=torch.float64)


def _pair(pred: Frames, gt: Frames) -> Tuple[torch.Tensor, torch.Tensor,
                                             bool]:
    """Both inputs as float64 tensors on ``pred``'s device, and whether the
    result goes back to numpy; raises unless ``gt`` is one clip or a batch
    of clips and ``pred`` has or broadcasts to its shape."""
    shapes = tuple(pred.shape), tuple(gt.shape)
    try:
        fits = (gt.ndim in (4, 5) and pred.ndim == gt.ndim
                and torch.broadcast_shapes(*shapes) == shapes[1])
    except RuntimeError:
        fits = False
    if not fits:
        raise ValueError('pred and gt must both have shape (T, C, H, W) or '
                         '(B, T, C, H, W) (pred may broadcast to gt); got '
                         f'{shapes[0]} and {shapes[1]}')
    as_numpy = not isinstance(pred, torch.Tensor)
    pred = as_float64(pred)
    return pred, as_float64(gt, pred.device), as_numpy


def _out(values: torch.Tensor, as_numpy: bool) -> Frames:
    return values.cpu().numpy() if as_numpy else values


def _per_frame(values: Range, like: torch.Tensor) -> torch.Tensor:
    """A number or tensor as float64 on ``like``'s device."""
    return torch.as_tensor(values, dtype=torch.float64, device=like.device)


def error_sums(pred: Frames, gt: Frames) -> Tuple[Frames, Frames]:
    """:func:`frame_mse` and :func:`frame_mae` from one difference."""
    pred, gt, as_numpy = _pair(pred, gt)
    err = pred - gt
    mae = err.abs().sum((-3, -2, -1))
    mse = err.mul_(err).sum((-3, -2, -1))  # mul_: faster than square_
    return _out(mse, as_numpy), _out(mae, as_numpy)


def frame_mse(pred: Frames, gt: Frames) -> Frames:
    """Sum over channels and pixels of the squared error, per frame.

    Args:
        pred: Predicted frames, shape (T, C, H, W) or (B, T, C, H, W).
        gt: Ground-truth frames, same shape.

    Returns:
        Shape (T,) or (B, T), float64.
    """
    return error_sums(pred, gt)[0]


def frame_mae(pred: Frames, gt: Frames) -> Frames:
    """Sum over channels and pixels of the absolute error, per frame.

    Args:
        pred: Predicted frames, shape (T, C, H, W) or (B, T, C, H, W).
        gt: Ground-truth frames, same shape.

    Returns:
        Shape (T,) or (B, T), float64.
    """
    return error_sums(pred, gt)[1]


def frame_psnr(pred: Frames, gt: Frames, data_range: Range = 1.0) -> Frames:
    """Peak signal-to-noise ratio per frame, capped.

    ``-10 log10(max(mean squared error / data_range^2, MSE_FLOOR))``: a frame
    whose relative mean squared error is below ``MSE_FLOOR`` (1e-10) scores
    ``PSNR_CAP_DB`` (100 dB) instead of infinity, whatever the peak.

    Args:
        pred: Predicted frames, shape (T, C, H, W) or (B, T, C, H, W),
            within ``data_range`` of each other (e.g. [0, 1]).
        gt: Ground-truth frames, same shape.
        data_range: The peak, i.e. the range of possible values: 1.0 for
            frames in [0, 1], 255 for uint8, ``hi - lo`` in data units; a
            tensor of shape (B, 1) gives one peak per clip. Defaults to 1.0.

    Returns:
        Shape (T,) or (B, T), float64, in dB.
    """
    pred, gt, as_numpy = _pair(pred, gt)
    err = pred - gt
    mse = err.mul_(err).mean((-3, -2, -1))
    mse = mse / _per_frame(data_range, mse).square()
    return _out(mse.clamp_min_(MSE_FLOOR).log10_().mul_(-10.0), as_numpy)


@functools.lru_cache(maxsize=16)
def _valid_box_filter(size: int, device: torch.device) -> torch.Tensor:
    """``(size, size - 6)`` float64 matrix: a row times it gives the 7-tap
    moving average at every window position inside the row."""
    rows = torch.arange(size, device=device)[:, None]
    cols = torch.arange(size - SSIM_WIN_SIZE + 1, device=device)
    inside = (rows >= cols) & (rows < cols + SSIM_WIN_SIZE)
    return inside.to(torch.float64) / SSIM_WIN_SIZE


def window_means(maps: torch.Tensor) -> torch.Tensor:
    """Mean of every 7 x 7 window inside each ``(H, W)`` map, transposed.

    scikit-image filters the whole frame with ``uniform_filter`` and drops a
    3-pixel border before averaging: what is left are exactly the windows
    that fit inside the frame. The 7 x 7 uniform window is separable, so it
    is applied as two banded matrix products, one per axis, which BLAS runs
    several times faster than ``avg_pool2d`` in float64. The result is
    ``(..., W - 6, H - 6)``: transposed, which no pixel-wise use of it
    minds (the SSIM map is only averaged).
    """
    h, w = maps.shape[-2:]
    rows_done = torch.matmul(maps, _valid_box_filter(w, maps.device))
    return torch.matmul(rows_done.transpose(-1, -2),
                        _valid_box_filter(h, maps.device))


def check_ssim_size(height: int, width: int) -> None:
    """Raise if a frame is smaller than the SSIM window."""
    if min(height, width) < SSIM_WIN_SIZE:
        raise ValueError(
            f'SSIM needs frames of at least {SSIM_WIN_SIZE} x '
            f'{SSIM_WIN_SIZE} pixels (its window, as in scikit-image); got '
            f'{height} x {width}. Evaluate at a larger image size.')


def _mean_and_variance(frames: torch.Tensor, cov_norm: float
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Window means and sample variances of frames (transposed maps)."""
    mean = window_means(frames)
    var = window_means(frames * frames).sub_(mean * mean).mul_(cov_norm)
    return mean, var


def ssim_against(gt: torch.Tensor, data_range: Range = 1.0
                 ) -> Callable[[torch.Tensor], torch.Tensor]:
    """:func:`frame_ssim` of several predictions of the same frames.

    The ground truth's window statistics are computed once, here; the
    returned function measures a prediction (float64 on ``gt``'s device,
    ``gt``'s shape or broadcasting to it) against them.

    Args:
        gt (torch.Tensor): Ground-truth frames, float64, (T, C, H, W) or
            (B, T, C, H, W), H and W at least 7.
        data_range: As for :func:`frame_ssim`.

    Returns:
        Callable: ``pred -> (T,) or (B, T)`` float64 tensor.
    """
    check_ssim_size(*gt.shape[-2:])
    cov_norm = SSIM_WIN_SIZE**2 / (SSIM_WIN_SIZE**2 - 1)
    r = _per_frame(data_range, gt)
    r = r.reshape(r.shape + (1, ) * 3)  # over C, H, W
    c1, c2 = (SSIM_K1 * r)**2, (SSIM_K2 * r)**2
    uy, vy = _mean_and_variance(gt, cov_norm)
    uy2_c1, vy_c2 = uy * uy + c1, vy + c2

    def ssim(pred: torch.Tensor) -> torch.Tensor:
        ux, vx = _mean_and_variance(pred, cov_norm)
        ux_uy = ux * uy
        num = window_means(pred * gt).sub_(ux_uy).mul_(2 * cov_norm)
        num.add_(c2).mul_(ux_uy.mul_(2).add_(c1))
        den = (ux.mul_(ux) + uy2_c1).mul_(vx + vy_c2)
        return num.div_(den).mean((-2, -1)).mean(-1)

    return ssim


def frame_ssim(pred: Frames, gt: Frames, data_range: Range = 1.0) -> Frames:
    """Structural similarity per frame, as scikit-image computes it.

    Equals ``structural_similarity(gt, pred, win_size=7,
    data_range=data_range)`` per frame (``channel_axis`` over the channels,
    averaged, for ``C > 1``) within float64 round-off, for a whole batch at
    once: window means, sample (co)variances with the factor
    ``49 / 48``, constants ``(0.01 R)^2`` and ``(0.03 R)^2``, the mean of the
    SSIM map over the windows that fit inside the frame. A prediction that
    broadcasts over the clip's frames is filtered once.

    Args:
        pred: Predicted frames, shape (T, C, H, W) or (B, T, C, H, W).
        gt: Ground-truth frames, same shape. H and W must be at least 7.
        data_range: Dynamic range ``R`` of the frames: 1.0 for frames in
            [0, 1]; a tensor of shape (B, 1) gives one range per clip.
            Defaults to 1.0.

    Returns:
        Shape (T,) or (B, T), float64.
    """
    pred, gt, as_numpy = _pair(pred, gt)
    return _out(ssim_against(gt, data_range)(pred), as_numpy)

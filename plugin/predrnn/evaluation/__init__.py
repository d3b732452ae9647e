"""Evaluation of video prediction: per-frame MSE, MAE, PSNR and SSIM."""
from .frame_metrics import (MSE_FLOOR, PSNR_CAP_DB, SSIM_WIN_SIZE, frame_mae,
                            frame_mse, frame_psnr, frame_ssim)
from .metrics_json import dump_metrics_json, to_json_compatible
from .video_prediction_metric import (COPY_LAST_PREFIX, METRIC_NAMES,
                                      PER_STEP_SUFFIX, VideoPredictionMetric,
                                      clip_frame_metrics)

__all__ = [
    'COPY_LAST_PREFIX', 'METRIC_NAMES', 'MSE_FLOOR', 'PER_STEP_SUFFIX',
    'PSNR_CAP_DB', 'SSIM_WIN_SIZE', 'VideoPredictionMetric',
    'clip_frame_metrics', 'dump_metrics_json', 'frame_mae', 'frame_mse',
    'frame_psnr', 'frame_ssim', 'to_json_compatible'
]

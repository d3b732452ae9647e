"""Evaluation of video prediction: per-frame MSE, MAE, PSNR and SSIM, the
authors' convention, data units, threshold scores and optional LPIPS."""
from .authors_convention import (authors_clip_frame_metrics,
                                 quantize_like_authors)
from .data_units import DataUnits
from .frame_metrics import (MSE_FLOOR, PSNR_CAP_DB, SSIM_WIN_SIZE,
                            error_sums, frame_mae, frame_mse, frame_psnr,
                            frame_ssim, ssim_against)
from .lat_weighted_metric import LatWeightedMetric, latitude_weights
from .lpips_metric import (LPIPS_NETS, backbone_weights_location, frame_lpips,
                           load_lpips)
from .metrics_json import dump_metrics_json, finite_or_none
from .threshold_scores import threshold_counts, threshold_scores
from .video_prediction_metric import (COPY_LAST_PREFIX, METRIC_NAMES,
                                      PER_STEP_SUFFIX, UNIT_METRIC_NAMES,
                                      VideoPredictionMetric,
                                      clip_frame_metrics)

__all__ = [
    'COPY_LAST_PREFIX', 'DataUnits', 'LatWeightedMetric', 'latitude_weights', 'LPIPS_NETS', 'METRIC_NAMES',
    'MSE_FLOOR', 'PER_STEP_SUFFIX', 'PSNR_CAP_DB', 'SSIM_WIN_SIZE',
    'UNIT_METRIC_NAMES', 'VideoPredictionMetric',
    'authors_clip_frame_metrics', 'backbone_weights_location',
    'clip_frame_metrics', 'dump_metrics_json', 'error_sums', 'frame_lpips',
    'frame_mae',
    'frame_mse', 'frame_psnr', 'frame_ssim', 'load_lpips',
    'quantize_like_authors', 'ssim_against', 'threshold_counts',
    'threshold_scores',
    'finite_or_none'
]

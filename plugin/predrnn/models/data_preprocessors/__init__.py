"""Data preprocessors."""
from .video_data_preprocessor import VideoDataPreprocessor
from .conditioned_video_data_preprocessor import \
    ConditionedVideoDataPreprocessor

__all__ = ['VideoDataPreprocessor', 'ConditionedVideoDataPreprocessor']

"""Data preprocessors."""
from .video_data_preprocessor import VideoDataPreprocessor

__all__ = ['VideoDataPreprocessor']

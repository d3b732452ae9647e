"""Cells, networks, curricula, losses, the data preprocessor and the
``BaseModel`` wrappers of PredRNN and PredRNN-V2."""
from .cells import SpatioTemporalLSTMCell, SpatioTemporalLSTMCellV2
from .curricula import (BaseCurriculum, ReverseScheduledSampling,
                        ScheduledSampling, TeacherForcing, inference_mask)
from .data_preprocessors import VideoDataPreprocessor
from .losses import decoupling_loss
from .networks import PredRNNNet
from .predictors import PredRNN, PredRNNv2
from .utils import patch_frames, unpatch_frames
from .wrappers import DeviceAgnosticDistributedDataParallel

__all__ = [
    'SpatioTemporalLSTMCell', 'SpatioTemporalLSTMCellV2', 'BaseCurriculum',
    'ReverseScheduledSampling', 'ScheduledSampling', 'TeacherForcing',
    'inference_mask', 'VideoDataPreprocessor', 'decoupling_loss', 'PredRNNNet',
    'PredRNN', 'PredRNNv2', 'patch_frames', 'unpatch_frames',
    'DeviceAgnosticDistributedDataParallel'
]

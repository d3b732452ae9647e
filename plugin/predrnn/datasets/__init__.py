"""Moving MNIST: on-the-fly training clips, the standard fixed test set,
real MNIST-format digits or an embedded procedural stand-in."""
from .clip_file import load_clip_file, read_clip_header, write_clip_file_atomic
from .clip_generator import ClipGenerator
from .conditioned_sequence_dataset import ConditionedSequenceDataset
from .controllable_moving_mnist import ControllableMovingMNIST
from .digit_source import DigitBank, load_digit_bank
from .kth_action import KTHAction
from .idx_io import read_idx_images, write_idx_images
from .moving_mnist import MovingMNIST
from .samplers import EpochIndexSampler, InfiniteEpochIndexSampler
from .sequence_dataset import SequenceDataset
from .stand_in_digits import make_stand_in_digits
from .taxibj import TaxiBJ
from .weatherbench import WeatherBench
from .trajectories import bounce_trajectory, pixel_offsets

__all__ = [
    'SequenceDataset', 'MovingMNIST', 'EpochIndexSampler', 'InfiniteEpochIndexSampler',
    'ClipGenerator', 'DigitBank', 'load_digit_bank', 'read_idx_images',
    'write_idx_images', 'load_clip_file', 'read_clip_header',
    'write_clip_file_atomic', 'make_stand_in_digits', 'bounce_trajectory',
    'pixel_offsets', 'ControllableMovingMNIST',
    'ConditionedSequenceDataset', 'TaxiBJ', 'WeatherBench', 'KTHAction'
]

"""What every dataset of moving MNIST digits shares: its arguments and their
checks, the digit bank of the split, ``(epoch, index)`` items and the length.

:class:`~.moving_mnist.MovingMNIST` (bouncing digits) and
:class:`~.controllable_moving_mnist.ControllableMovingMNIST` (commanded
digits) differ only in how a clip moves and in the val/test set, so those
are theirs; the rest lives here once.
"""
import os
from typing import Optional, Sequence, Tuple, Union

from torch.utils.data import Dataset

from .clip_generator import check_digit_size
from .digit_source import (PREPARE_COMMAND, DigitBank, load_digit_bank,
                           resolve_path, warn_once)

# Stand-in digit streams: training and test clips never share digits.
TRAIN_DIGITS, TEST_DIGITS = 0, 1
DEFAULT_DIGITS = {
    'train': 'train-images-idx3-ubyte.gz',
    'test': 't10k-images-idx3-ubyte.gz',
}

Index = Union[int, Tuple[int, int], Sequence[int]]
# The data roots of the shipped configs: missing, they mean "no data yet"
# and the stand-in digits are used; any other missing data_root is a typo.
DEFAULT_DATA_ROOTS = ('data/moving_mnist', 'data/moving_fmnist')


def check_data_root(data_root: str) -> None:
    """Refuse a ``data_root`` that is a file, or that does not exist and is
    not one of :data:`DEFAULT_DATA_ROOTS`."""
    if os.path.exists(data_root) and not os.path.isdir(data_root):
        raise NotADirectoryError(
            f'data_root {data_root} is a file, not a folder: set '
            'data_root to the folder holding the data files (made by '
            'python tools/prepare_data.py mmnist --data-root data)')
    if not os.path.exists(data_root) and \
            os.path.normpath(data_root) not in DEFAULT_DATA_ROOTS:
        raise FileNotFoundError(
            f'data_root {data_root} does not exist. Fix the path; get the '
            f'data with {PREPARE_COMMAND}. (Only the default data_root '
            f'{DEFAULT_DATA_ROOTS[0]}, when missing, trains on the stand-in '
            'digits; so does any existing folder without digit files.)')


class DigitClipDataset(Dataset):
    """Base of the Moving MNIST datasets (arguments: see the subclasses).

    Refuses a bad split, frame counts, digit count or digit size, a
    ``data_root`` that is a file, and a missing ``data_root`` other than
    the shipped configs' (:data:`DEFAULT_DATA_ROOTS`), naming the fix.
    ``digit_file`` None means MNIST's train or t10k images by split (the
    stand-in when missing); a ``digit_file`` given explicitly must exist.
    """

    def __init__(self,
                 data_root: str,
                 split: str,
                 in_frames: int,
                 out_frames: int,
                 image_size: int,
                 num_digits: int,
                 digit_size: int,
                 step_length: float,
                 digit_file: Optional[str],
                 seed: int,
                 num_stand_in_digits: int,
                 allow_stand_in: bool) -> None:
        if split not in ('train', 'val', 'test'):
            raise ValueError(
                f"split must be 'train', 'val' or 'test', got {split!r}")
        if in_frames < 1 or out_frames < 0:
            raise ValueError('in_frames must be >= 1 and out_frames >= 0, '
                             f'got {in_frames} and {out_frames}')
        if num_digits < 1:
            raise ValueError(f'num_digits must be >= 1, got {num_digits}')
        check_data_root(data_root)
        check_digit_size(digit_size, image_size)
        self.data_root = data_root
        self.split = split
        self.is_train = split == 'train'
        self.in_frames = in_frames
        self.out_frames = out_frames
        self.num_frames = in_frames + out_frames
        self.image_size = image_size
        self.num_digits = num_digits
        self.digit_size = digit_size
        self.step_length = step_length
        self.seed = seed
        self._num_stand_in = num_stand_in_digits
        self._allow_stand_in = allow_stand_in
        kind = 'train' if self.is_train else 'test'
        self.digit_file = digit_file or DEFAULT_DIGITS[kind]
        self._digit_file_given = digit_file is not None
        self.digit_source: Optional[str] = None

    def _load_digits(self, stream: int) -> DigitBank:
        """The digit bank (``stream``: :data:`TRAIN_DIGITS` or
        :data:`TEST_DIGITS` for the stand-in); sets ``digit_source``."""
        if self._digit_file_given and resolve_path(self.data_root,
                                                   self.digit_file) is None:
            raise FileNotFoundError(
                f'digit_file {self._wanted(self.digit_file)} does not exist '
                '(with or without .gz). Fix the path, or leave digit_file '
                "unset to use the standard files of data_root.")
        bank = load_digit_bank(self.data_root, self.digit_file,
                               self.digit_size, self.seed, stream,
                               self._num_stand_in, self._allow_stand_in)
        self.digit_source = bank.source
        return bank

    def _wanted(self, name: str) -> str:
        return name if os.path.isabs(name) else os.path.join(
            self.data_root, name)

    def epoch_and_index(self, index: Index) -> Tuple[int, int]:
        """``(epoch, index)`` from the epoch-aware samplers, or a plain
        index as epoch 0 (for the train split the same clips every epoch,
        hence a one-time warning naming the sampler to use)."""
        if isinstance(index, (tuple, list)):
            epoch, index = (int(v) for v in index)
            return epoch, index
        if self.is_train:
            name = type(self).__name__
            warn_once(
                f'{name}[train] received plain indices: every epoch serves '
                "the clips of epoch 0. Use sampler=dict(type="
                "'EpochIndexSampler') (or 'InfiniteEpochIndexSampler') for "
                'fresh clips each epoch.',
                key=f'{name}-plain-index')
        return 0, int(index)

    def __len__(self) -> int:
        return self.num_clips

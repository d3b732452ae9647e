"""Controllable Moving MNIST: digits steered by per-frame commands.

Moving MNIST's bouncing digits move deterministically, so their future can
be read off the observed frames. Here each digit follows a *command* per
frame, one of the nine moves ``(u_y, u_x) in {-1, 0, 1}^2`` (stay, four
straight, four diagonal), and the command switches to a fresh random one
with probability ``change_prob`` at every frame, independently of the
images. The future therefore cannot be guessed from the observed frames
alone; it can from the frames plus the commands. This is the toy analogue of
BAIR robot pushing (actions steer what happens next) for action-conditioned
models.

Dynamics (normalised coordinates in ``[0, 1]^2`` mapping to the free area
``image_size - digit_size``, as :mod:`.trajectories`)::

    y[t+1] = clip(y[t] + step_length * u_y[t], 0, 1)   (same for x)
    pixel offset = int(coord * free)                     (truncation)

``conditions[t]`` holds the commands acting between frames ``t`` and
``t + 1``, ``[u_y(digit 0), u_x(digit 0), u_y(digit 1), ...]``: ``A = 2 *
num_digits`` numbers per frame (the last frame's command is drawn but moves
nothing). Digits are composed by pixel-wise maximum.

Clip ``i`` of epoch ``e`` is a pure function of ``(seed, e, i)`` (val/test
ignore the epoch and use other digits), drawn from
``numpy.random.default_rng([stream, e, i, seed])`` in this order:
``starts = rng.random((D, 2))`` (y, x), ``ids = rng.integers(0, N, D)``,
``first = rng.integers(0, 9, D)``, ``switch = rng.random((T-1, D)) <
change_prob``, ``fresh = rng.integers(0, 9, (T-1, D))``; command ``k`` is
``(k // 3 - 1, k % 3 - 1)``. The epoch arrives with the index from
:class:`~predrnn.datasets.EpochIndexSampler` (or the infinite one).
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.logging import print_log

from predrnn.registry import DATASETS
from .digit_clip_dataset import (TEST_DIGITS, TRAIN_DIGITS, DigitClipDataset,
                                 Index)
from .trajectories import pixel_offsets

# Streams distinct from MovingMNIST's (0, 1): the same seed gives other clips.
_TRAIN_CLIPS, _TEST_CLIPS = 2, 3
NUM_COMMANDS = 9


def command_vectors(commands: np.ndarray) -> np.ndarray:
    """Command indices ``(...)`` in 0..8 -> moves ``(..., 2)`` = ``(u_y,
    u_x)`` in {-1, 0, 1}."""
    commands = np.asarray(commands)
    return np.stack([commands // 3 - 1, commands % 3 - 1], axis=-1)


def commanded_positions(start: Sequence[float], moves: np.ndarray,
                        step_length: float) -> np.ndarray:
    """Normalised positions ``(T, 2)`` of one digit from its start ``(y,
    x)`` and its moves ``(T, 2)`` (the last move is not applied)."""
    pos = np.empty((len(moves), 2))
    pos[0] = start
    for t in range(1, len(moves)):
        pos[t] = np.clip(pos[t - 1] + step_length * moves[t - 1], 0.0, 1.0)
    return pos


@DATASETS.register_module()
class ControllableMovingMNIST(DigitClipDataset):
    """Moving MNIST whose digits follow random per-frame commands, returned
    as conditions.

    Each item is ``dict(inputs=uint8 (T, 1, H, W), conditions=float32 (T,
    2 * num_digits))`` with ``T = in_frames + out_frames``.

    Args:
        data_root (str): Folder with the MNIST IDX files (optional: without
            them the embedded stand-in digits are used, with a warning).
            Defaults to ``'data/moving_mnist'``.
        split (str): ``'train'`` (fresh clips every epoch), ``'val'`` or
            ``'test'`` (a fixed set of clips, MNIST test digits).
            Defaults to ``'train'``.
        in_frames (int): Observed frames. Defaults to 10.
        out_frames (int): Predicted frames. Defaults to 10.
        image_size (int): Canvas height and width. Defaults to 64.
        num_digits (int): Digits per clip, each with its own command.
            Defaults to 2.
        digit_size (int): Digit height and width, at least 8 and less than
            ``image_size``. Defaults to 28.
        step_length (float): Move per frame per axis, as a fraction of the
            free width. Defaults to 0.1.
        change_prob (float): Chance per frame and digit that the command
            switches to a fresh random one. Defaults to 0.3.
        num_clips (int, optional): Clips per epoch (train) or in the fixed
            set. None: 10000 (train) or 2000 (val/test). Defaults to None.
        digit_file (str, optional): MNIST-format IDX images (relative to
            ``data_root`` unless absolute); given explicitly, it must exist.
            None: MNIST's train or t10k file by split, the stand-in when
            missing. Defaults to None.
        seed (int): Seed of the clips and stand-in digits. Defaults to 0.
        num_stand_in_digits (int): Stand-in bank size. Defaults to 5000.
        allow_stand_in (bool): Fall back to stand-in digits when the digit
            file is missing. Defaults to True.
    """

    def __init__(self,
                 data_root: str = 'data/moving_mnist',
                 split: str = 'train',
                 in_frames: int = 10,
                 out_frames: int = 10,
                 image_size: int = 64,
                 num_digits: int = 2,
                 digit_size: int = 28,
                 step_length: float = 0.1,
                 change_prob: float = 0.3,
                 num_clips: Optional[int] = None,
                 digit_file: Optional[str] = None,
                 seed: int = 0,
                 num_stand_in_digits: int = 5000,
                 allow_stand_in: bool = True) -> None:
        super().__init__(data_root, split, in_frames, out_frames, image_size,
                         num_digits, digit_size, step_length, digit_file,
                         seed, num_stand_in_digits, allow_stand_in)
        if not 0.0 <= change_prob <= 1.0:
            raise ValueError(f'change_prob must be in [0, 1], got '
                             f'{change_prob}.')
        self.change_prob = change_prob
        self.num_clips = (num_clips if num_clips is not None else
                          10000 if self.is_train else 2000)
        if self.num_clips < 1:
            raise ValueError(f'num_clips must be >= 1, got {self.num_clips}')
        bank = self._load_digits(TRAIN_DIGITS if self.is_train else
                                 TEST_DIGITS)
        self.digits = np.ascontiguousarray(bank.images, dtype=np.uint8)
        print_log(
            f'ControllableMovingMNIST[{split}]: {self.num_clips} clips, '
            f'{num_digits} commanded digit(s) from {bank.source}, '
            f'change_prob {change_prob}, seed {seed}', logger='current')

    @property
    def condition_channels(self) -> int:
        """``A``: two command numbers per digit."""
        return 2 * self.num_digits

    def render(self, ids: Sequence[int], starts: np.ndarray,
               moves: np.ndarray) -> np.ndarray:
        """Render a clip from explicit parameters ("what if" clips, tests).

        Args:
            ids (Sequence[int]): Digit image per digit.
            starts (np.ndarray): ``(D, 2)`` start ``(y, x)`` in ``[0, 1]``.
            moves (np.ndarray): ``(T, D, 2)`` moves in {-1, 0, 1}.

        Returns:
            np.ndarray: ``uint8 (T, H, W)``.
        """
        size, free = self.digit_size, self.image_size - self.digit_size
        clip = np.zeros((len(moves), self.image_size, self.image_size),
                        np.uint8)
        for k, idx in enumerate(ids):
            pos = commanded_positions(starts[k], moves[:, k],
                                      self.step_length)
            rows = pixel_offsets(pos[:, 0].tolist(), free)
            cols = pixel_offsets(pos[:, 1].tolist(), free)
            for t, (r, c) in enumerate(zip(rows, cols)):
                window = clip[t, r:r + size, c:c + size]
                np.maximum(window, self.digits[idx], out=window)
        return clip

    def get_clip(self, epoch: int, index: int) -> Tuple[np.ndarray,
                                                        np.ndarray]:
        """Clip ``index`` of ``epoch``: ``uint8 (T, H, W)`` frames and
        ``float32 (T, 2 D)`` conditions (draw order in the module
        docstring)."""
        if not -self.num_clips <= index < self.num_clips:
            raise IndexError(f'clip index {index} out of range for '
                             f'{self.num_clips} clips')
        if epoch < 0:
            raise ValueError(f'epoch must be >= 0, got {epoch}')
        index %= self.num_clips
        stream = _TRAIN_CLIPS if self.is_train else _TEST_CLIPS
        rng = np.random.default_rng(
            [stream, epoch if self.is_train else 0, index, self.seed])
        d, t = self.num_digits, self.num_frames
        starts = rng.random((d, 2))
        ids = rng.integers(0, len(self.digits), d)
        commands = np.empty((t, d), np.int64)
        commands[0] = rng.integers(0, NUM_COMMANDS, d)
        switch = rng.random((t - 1, d)) < self.change_prob
        fresh = rng.integers(0, NUM_COMMANDS, (t - 1, d))
        for step in range(1, t):
            commands[step] = np.where(switch[step - 1], fresh[step - 1],
                                      commands[step - 1])
        moves = command_vectors(commands)  # (T, D, 2)
        return (self.render(ids, starts, moves),
                moves.reshape(t, 2 * d).astype(np.float32))

    def __getitem__(self, index: Index) -> dict:
        """``dict(inputs=uint8 (T, 1, H, W), conditions=float32 (T, A))``;
        ``index`` is ``(epoch, index)`` from the epoch-aware samplers or a
        plain index (epoch 0)."""
        clip, conditions = self.get_clip(*self.epoch_and_index(index))
        return dict(inputs=torch.from_numpy(clip).unsqueeze(1),
                    conditions=torch.from_numpy(conditions))

    @property
    def metainfo(self) -> dict:
        """Description of the data, given to metrics as ``dataset_meta``."""
        return dict(
            dataset_name='ControllableMovingMNIST', split=self.split,
            in_frames=self.in_frames, out_frames=self.out_frames,
            image_size=self.image_size, num_digits=self.num_digits,
            condition_channels=self.condition_channels,
            change_prob=self.change_prob, digit_source=self.digit_source,
            comparable=False)

"""Errors of the plugin's checkpoint loading; one base class, so a tool can
turn any of them into a one-line message."""
import glob
import os.path as osp
import pickle
import re
from typing import List

__all__ = [
    'CheckpointError', 'UnsafeCheckpointError', 'CorruptCheckpointError',
    'NotACheckpointError', 'NonFiniteCheckpointError', 'checkpoints_in'
]


class CheckpointError(Exception):
    """A checkpoint the plugin refuses to load; the message says why."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint names types or calls outside the allow-list."""


class CorruptCheckpointError(CheckpointError, RuntimeError):
    """A checkpoint file is truncated or damaged."""


class NotACheckpointError(CorruptCheckpointError):
    """The path is a directory, an empty file or a file of another kind."""


class NonFiniteCheckpointError(CheckpointError, ValueError):
    """A checkpoint holds tensors with NaN or Inf values."""


def _iteration(path: str) -> float:
    numbers = re.findall(r'\d+', osp.basename(path))
    return int(numbers[-1]) if numbers else float('inf')


def checkpoints_in(folder: str) -> List[str]:
    """The ``.pth`` files of ``folder``, ordered by the last number in their
    name (``iter_5000.pth`` before ``iter_10000.pth``)."""
    return sorted(glob.glob(osp.join(glob.escape(folder), '*.pth')),
                  key=lambda p: (_iteration(p), p))

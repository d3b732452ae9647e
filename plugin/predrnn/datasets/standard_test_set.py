"""Recognising the standard Moving MNIST test set, ``mnist_test_seq.npy``.

The published file (Srivastava et al., 2015) is one ``uint8`` array of
shape ``[T, N, H, W] = [20, 10000, 64, 64]``, time first. Metrics are
comparable with published numbers only on that exact file, so a file is
called *standard* only when its shape is that one AND its MD5 is the
published one (the MD5 torchvision's ``MovingMNIST`` checks; no other
checksum of the file is published). The MD5 of the 820 MB file is computed
once and cached beside it (:func:`~.file_digest.cached_file_digest`).

Any other time-first ``uint8`` file is a *custom* fixed test set: usable,
never comparable. A clips-first array ``[N, 20, 64, 64]`` (a common
mistake when saving one's own clips) would be read as N frames of 20 clips;
:func:`check_time_first` refuses it.
"""
import os
from typing import Optional, Sequence

from .file_digest import cached_file_digest

STANDARD_NAME = 'mnist_test_seq.npy'
STANDARD_SHAPE = (20, 10000, 64, 64)
STANDARD_MD5 = 'be083ec986bfe91a449d63653c411eb2'
# The published protocol: 10 observed frames, 10 predicted, all clips.
STANDARD_FRAMES = (10, 10)


def check_time_first(shape: Sequence[int], path: str,
                     num_frames: Optional[int] = None) -> None:
    """Refuse an array that looks clips-first, ``[N, T, H, W]``.

    The rule: the second axis equals the standard clip length (20) or
    ``num_frames``, and the first axis is longer. Time-first files with
    more frames than clips along those lines are not used in practice.

    Args:
        shape (Sequence[int]): The array's shape ``(T, N, H, W)``.
        path (str): The file, for the message.
        num_frames (int, optional): Frames per clip the caller needs.

    Raises:
        ValueError: Saying it looks clips-first and how to transpose it.
    """
    lengths = {STANDARD_SHAPE[0]} | ({num_frames} if num_frames else set())
    if len(shape) == 4 and shape[1] in lengths and shape[0] > shape[1]:
        t_n = [shape[1], shape[0]] + list(shape[2:])
        raise ValueError(
            f'{path}: shape {list(shape)} looks clips-first [N, T, H, W] '
            f'({shape[0]} clips of {shape[1]} frames); clip files are time '
            f'first [T, N, H, W] like the standard [20, 10000, 64, 64]. '
            'Transpose it into a new file: np.save(NEW_PATH, '
            f'np.load({os.path.basename(path)!r}).transpose(1, 0, 2, 3)) '
            f'gives {t_n}')


def describe_test_file(path: str, shape: Sequence[int], num_clips: int,
                       in_frames: int, out_frames: int) -> dict:
    """Describe a time-first clip file used as the fixed test set.

    Args:
        path (str): The file.
        shape (Sequence[int]): Its shape ``(T, N, H, W)``.
        num_clips (int): How many of its clips are used.
        in_frames (int): Observed frames of the configuration.
        out_frames (int): Predicted frames of the configuration.

    Returns:
        dict: ``name`` (``'standard'`` for the published file, else
        ``'custom'``), ``path``, ``md5`` (None when the shape already rules
        out the published file: the hash is skipped), ``num_clips``,
        ``comparable`` (the published file, all its clips, 10 -> 10 frames)
        and ``reason`` (why it is or is not comparable).
    """
    md5 = None
    if tuple(shape) != STANDARD_SHAPE:
        standard = False
        reason = (f'shape {list(shape)} is not the published '
                  f'{list(STANDARD_SHAPE)}')
    else:
        md5 = cached_file_digest(path, 'md5')
        standard = md5 == STANDARD_MD5
        reason = ('MD5 matches the published file' if standard else
                  f'MD5 {md5} is not the published {STANDARD_MD5}')
    comparable = standard
    if standard and num_clips != shape[1]:
        comparable = False
        reason += f'; only {num_clips} of its {shape[1]} clips are used'
    if standard and (in_frames, out_frames) != STANDARD_FRAMES:
        comparable = False
        reason += (f'; {in_frames} -> {out_frames} frames, published '
                   f'numbers are {STANDARD_FRAMES[0]} -> '
                   f'{STANDARD_FRAMES[1]}')
    return dict(name='standard' if standard else 'custom',
                path=os.path.abspath(path), md5=md5, num_clips=num_clips,
                comparable=comparable, reason=reason)

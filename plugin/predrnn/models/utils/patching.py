"""Space-to-channel patching of frames.

A frame ``(C, H, W)`` is cut into ``p x p`` patches that become channels:
``(C, H, W) -> (p*p*C, H/p, W/p)``. The channel index of pixel
``(row = hp*p + i, col = wp*p + j, channel c)`` is ``(i*p + j)*C + c``: patch
row, then patch column, then image channel (fastest). This is the order of the
authors' ``reshape_patch`` (channels-last) and NOT the order of
:func:`torch.nn.functional.pixel_unshuffle`, which puts the image channel
slowest; keeping it is what makes the authors' checkpoints load unchanged.
"""
from typing import Tuple

import torch


def check_patchable(height: int, width: int, patch_size: int) -> None:
    """Raise a clear ``ValueError`` if ``(height, width)`` cannot be patched."""
    if patch_size < 1:
        raise ValueError(f'patch_size must be >= 1, got {patch_size}.')
    if height % patch_size or width % patch_size:
        raise ValueError(
            f'Frame size {height}x{width} is not divisible by the patch size '
            f'{patch_size}. Resize or crop the frames, or choose a patch_size '
            f'that divides both {height} and {width}.')


def patch_frames(frames: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Fold ``p x p`` patches into channels.

    Args:
        frames (torch.Tensor): ``(..., C, H, W)``.
        patch_size (int): ``p``; must divide ``H`` and ``W``.

    Returns:
        torch.Tensor: ``(..., p*p*C, H/p, W/p)``, channel ``(i*p + j)*C + c``.
    """
    p = patch_size
    if p == 1:
        return frames
    *lead, c, h, w = frames.shape
    check_patchable(h, w, p)
    x = frames.reshape(*lead, c, h // p, p, w // p, p)
    n = len(lead)
    # (..., c, hp, i, wp, j) -> (..., i, j, c, hp, wp)
    x = x.permute(*range(n), n + 2, n + 4, n, n + 1, n + 3)
    return x.reshape(*lead, p * p * c, h // p, w // p)


def unpatch_frames(patches: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Inverse of :func:`patch_frames`: ``(..., p*p*C, h, w) -> (..., C, h*p, w*p)``."""
    p = patch_size
    if p == 1:
        return patches
    *lead, pc, h, w = patches.shape
    if pc % (p * p):
        raise ValueError(
            f'{pc} channels cannot be unpatched with patch_size {p}: the '
            f'channel count must be a multiple of {p * p}.')
    c = pc // (p * p)
    x = patches.reshape(*lead, p, p, c, h, w)
    n = len(lead)
    # (..., i, j, c, hp, wp) -> (..., c, hp, i, wp, j)
    x = x.permute(*range(n), n + 2, n + 3, n, n + 4, n + 1)
    return x.reshape(*lead, c, h * p, w * p)


def patched_shape(channels: int, height: int, width: int,
                  patch_size: int) -> Tuple[int, int, int]:
    """Shape ``(p*p*C, H/p, W/p)`` of a patched ``(C, H, W)`` frame."""
    check_patchable(height, width, patch_size)
    p = patch_size
    return channels * p * p, height // p, width // p

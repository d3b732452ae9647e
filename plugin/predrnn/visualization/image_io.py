"""Write RGB images and animated GIFs with Pillow (a matplotlib dependency).

Both are written atomically (:func:`~predrnn.utils.atomic_write`): a full
disk or a kill never leaves a truncated picture under its name.
"""
import os
import os.path as osp
from typing import Sequence

import numpy as np
from PIL import Image

from predrnn.utils import atomic_write


def _make_parent(out_file: str) -> None:
    """Create the folder that will hold ``out_file``."""
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)


def write_png(image: np.ndarray, out_file: str) -> str:
    """Write a uint8 RGB image of shape (H, W, 3) as PNG.

    Args:
        image (np.ndarray): uint8 RGB image, shape (H, W, 3).
        out_file (str): Destination; parent folders are created.

    Returns:
        str: ``out_file``.
    """
    _make_parent(out_file)
    with atomic_write(out_file) as tmp:
        Image.fromarray(image).save(tmp, format='PNG')
    return out_file


def write_gif(frames: Sequence[np.ndarray], out_file: str,
              fps: float = 4.0) -> str:
    """Write uint8 RGB frames of shape (H, W, 3) as a looping animated GIF.

    Args:
        frames (Sequence[np.ndarray]): The frames, all of the same shape.
        out_file (str): Destination; parent folders are created.
        fps (float): Frames per second. Defaults to 4.0.

    Returns:
        str: ``out_file``.
    """
    if not frames:
        raise ValueError('write_gif needs at least one frame')
    _make_parent(out_file)
    images = [Image.fromarray(frame) for frame in frames]
    with atomic_write(out_file) as tmp:
        images[0].save(
            tmp,
            format='GIF',
            save_all=True,
            append_images=images[1:],
            duration=int(round(1000.0 / fps)),
            loop=0)
    return out_file

"""A folder of image frames as one sequence, read lazily in natural sort
order (``frame2`` before ``frame10``)."""
import os
import re
from typing import List, Optional

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from .finite_check import FRAME_AXES, check_finite
from .frame_transform import FrameTransform

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff',
                    '.webp', '.ppm', '.pgm')


def natural_key(name: str) -> list:
    """Sort key in which digit runs compare as numbers."""
    return [int(p) if p.isdigit() else p.lower()
            for p in re.split(r'(\d+)', name)]


def list_frames(folder: str) -> List[str]:
    """Image files of ``folder`` in natural order."""
    names = [n for n in os.listdir(folder)
             if n.lower().endswith(IMAGE_EXTENSIONS)]
    return [os.path.join(folder, n) for n in sorted(names, key=natural_key)]


def read_image(path: str) -> np.ndarray:
    """``(C, H, W)`` in the file's dtype (8- or 16-bit), RGB order."""
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f'Cannot read the image {path}; is it a valid image '
                         f'file ({", ".join(IMAGE_EXTENSIONS)})?')
    if image.ndim == 2:
        return image[None]
    if image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return image.transpose(2, 0, 1)


def _image_size(path: str) -> tuple:
    """``(width, height)`` from the image header; a file that is no image
    (whatever its extension) is refused, not skipped: a skipped frame
    would silently join the frames on either side of it."""
    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(
            f'{path} is not a readable image ({type(err).__name__}), though '
            'its name ends like one; remove it from the frame folder or '
            'replace it with the frame it should be.') from None


class FrameFolder:
    """One sequence: the frames of a folder, every ``frame_stride``-th.

    Frame sizes are checked from the image headers when the folder is
    opened (cheap); with ``transform.resize`` set, mixed sizes are allowed.
    """

    def __init__(self, folder: str, frame_stride: int = 1,
                 transform: Optional[FrameTransform] = None) -> None:
        if not os.path.isdir(folder):
            raise FileNotFoundError(f'Frame folder {folder} does not exist.')
        self.folder = self.name = folder
        self.transform = transform or FrameTransform()
        self.files = list_frames(folder)[::frame_stride]
        if not self.files:
            raise ValueError(f'{folder} holds no image frames '
                             f'({", ".join(IMAGE_EXTENSIONS)}).')
        sizes = {}
        for path in self.files:
            sizes.setdefault(_image_size(path), path)
        if len(sizes) > 1 and not self.transform.resize:
            (s1, f1), (s2, f2) = list(sizes.items())[:2]
            raise ValueError(
                f'Frames of different sizes in {folder}: '
                f'{os.path.basename(f1)} is {s1[0]}x{s1[1]}, '
                f'{os.path.basename(f2)} is {s2[0]}x{s2[1]} (width x height).'
                ' Set resize=(H, W) to bring them to one size.')
        first = read_image(self.files[0])
        self.dtype = first.dtype
        self.raw_channels = first.shape[0]

    def __len__(self) -> int:
        return len(self.files)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Frames ``start .. stop-1`` as ``(T, C, H, W)``."""
        frames = []
        for p in self.files[start:stop]:
            image = read_image(p)[None]
            check_finite(image[0], p, FRAME_AXES[1:])  # float TIFFs
            frames.append(self.transform(image))
        return np.concatenate(frames)

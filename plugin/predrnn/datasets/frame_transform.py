"""Resize, centre-crop and colour conversion of frames, keeping the dtype
(uint8 stays uint8) so that items stay compact."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

COLORS = (None, 'rgb', 'gray')
INTERPOLATIONS = {
    'area': cv2.INTER_AREA,
    'linear': cv2.INTER_LINEAR,
    'nearest': cv2.INTER_NEAREST,
    'cubic': cv2.INTER_CUBIC,
}


def _pair(size: Optional[Sequence[int]], name: str
          ) -> Optional[Tuple[int, int]]:
    if size is None:
        return None
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f'{name} must be (H, W) with positive sizes, got '
                         f'{size!r}')
    return int(size[0]), int(size[1])


class FrameTransform:
    """Applied to every frame: colour conversion, then resize, then crop.

    Args:
        resize (tuple, optional): Target ``(H, W)``. Defaults to None.
        resize_interpolation (str, optional): ``'area'``, ``'linear'``,
            ``'nearest'`` or ``'cubic'`` (OpenCV's ``INTER_*``); None: area
            when shrinking (averages, no aliasing), linear when enlarging.
            ``'nearest'`` keeps values exact (labels, masks, objects of a
            pixel or two). Defaults to None.
        crop (tuple, optional): Centre crop ``(H, W)`` after the resize.
            Defaults to None.
        color (str, optional): ``'gray'`` (3 channels -> 1, ITU-R BT.601
            weights), ``'rgb'`` (1 channel -> 3 copies) or None (keep the
            channels, any number). Defaults to None.
    """

    def __init__(self, resize: Optional[Sequence[int]] = None,
                 crop: Optional[Sequence[int]] = None,
                 color: Optional[str] = None,
                 resize_interpolation: Optional[str] = None) -> None:
        if color not in COLORS:
            raise ValueError(f'color must be one of {COLORS}, got {color!r}')
        if (resize_interpolation is not None
                and resize_interpolation not in INTERPOLATIONS):
            raise ValueError(
                f'resize_interpolation must be one of '
                f'{tuple(INTERPOLATIONS)} or None (area when shrinking, '
                f'linear when enlarging), got {resize_interpolation!r}')
        self.resize_interpolation = resize_interpolation
        self.resize = _pair(resize, 'resize')
        self.crop = _pair(crop, 'crop')
        self.color = color

    def channels(self, channels: int) -> int:
        """Channels after the transform of frames with ``channels``."""
        if self.color == 'gray':
            return 1
        if self.color == 'rgb':
            return 3
        return channels

    @property
    def identity(self) -> bool:
        return not (self.resize or self.crop or self.color)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """``(T, C, H, W)`` -> ``(T, C', H', W')``, same dtype."""
        if self.identity:
            return frames
        return np.stack([self._frame(f) for f in frames])

    def _method(self, size: Tuple[int, int]) -> int:
        """OpenCV interpolation flag to resize frames of ``size``."""
        if self.resize_interpolation is not None:
            return INTERPOLATIONS[self.resize_interpolation]
        shrink = self.resize[0] * self.resize[1] < size[0] * size[1]
        return cv2.INTER_AREA if shrink else cv2.INTER_LINEAR

    def _frame(self, frame: np.ndarray) -> np.ndarray:
        channels = frame.shape[0]
        if self.color == 'gray' and channels != 1:
            if channels != 3:
                raise ValueError(f"color='gray' needs 1 or 3 channels, the "
                                 f'frames have {channels}')
            image = np.ascontiguousarray(frame.transpose(1, 2, 0))
            frame = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[None]
        elif self.color == 'rgb' and channels != 3:
            if channels != 1:
                raise ValueError(f"color='rgb' needs 1 or 3 channels, the "
                                 f'frames have {channels}')
            frame = np.repeat(frame, 3, axis=0)
        if self.resize and frame.shape[1:] != self.resize:
            height, width = self.resize
            method = self._method(frame.shape[1:])
            if frame.shape[0] <= 4:  # one call for grey, RGB, RGBA
                image = cv2.resize(np.ascontiguousarray(frame.transpose(
                    1, 2, 0)), (width, height), interpolation=method)
                frame = image.reshape(height, width, -1).transpose(2, 0, 1)
            else:  # any number of channels, one at a time
                frame = np.stack([
                    cv2.resize(np.ascontiguousarray(c), (width, height),
                               interpolation=method) for c in frame
                ])
        if self.crop:
            height, width = self.crop
            if height > frame.shape[1] or width > frame.shape[2]:
                raise ValueError(
                    f'crop {self.crop} is larger than the frames '
                    f'({frame.shape[1]}x{frame.shape[2]} after the resize); '
                    'give a smaller crop=(H, W) or a larger resize=(H, W).')
            top = (frame.shape[1] - height) // 2
            left = (frame.shape[2] - width) // 2
            frame = frame[:, top:top + height, left:left + width]
        return np.ascontiguousarray(frame)

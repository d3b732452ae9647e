"""Procedural stand-in for handwritten MNIST digits (no download needed).

Each image is one of the ten digits drawn with an OpenCV Hershey font (random
font, stroke width and slant), then randomly scaled, rotated and sheared,
elastically distorted (Simard et al., ICDAR 2003: a smoothed random
displacement field), and normalised like MNIST: the digit's bounding box is
fitted into 20 x 20 keeping its aspect ratio and placed in a 28 x 28 image so
that its centre of mass is at the centre.

The images look like digits and move like MNIST digits, which is enough to
run, test and debug the whole pipeline offline. They are NOT MNIST: numbers
measured on them are not comparable with published Moving MNIST results.
"""
import math

import cv2
import numpy as np

_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX,
          cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX,
          cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)
_CANVAS = 64  # drawing canvas, large enough for any distortion
_BOX = 20  # MNIST fits each digit into a 20 x 20 box
_FIELD_CELL = 16  # spacing of the coarse elastic displacement grid
_GRID_Y, _GRID_X = np.mgrid[:_CANVAS, :_CANVAS].astype(np.float32)


def _elastic_fields(rng: np.random.Generator, num: int) -> np.ndarray:
    """Smooth random displacement fields, ``(num, 2, _CANVAS, _CANVAS)``.

    A coarse Gaussian grid upsampled bicubically is a cheap, batched
    equivalent of Gaussian-blurring per-pixel noise (Simard et al.)."""
    coarse = rng.standard_normal((_CANVAS // _FIELD_CELL + 1, ) * 2 +
                                 (2 * num, )).astype(np.float32)
    fields = np.empty((2 * num, _CANVAS, _CANVAS), np.float32)
    for start in range(0, 2 * num, 128):  # OpenCV 5 resizes <= 128 channels
        part = np.ascontiguousarray(coarse[..., start:start + 128])
        part = cv2.resize(part, (_CANVAS, _CANVAS),
                          interpolation=cv2.INTER_CUBIC)
        fields[start:start + 128] = part.reshape(_CANVAS, _CANVAS,
                                                 -1).transpose(2, 0, 1)
    return fields.reshape(num, 2, _CANVAS, _CANVAS)


def _draw(rng: np.random.Generator, digit: int,
          field: np.ndarray) -> np.ndarray:
    """Draw one distorted digit on a ``_CANVAS``-sized uint8 canvas."""
    font = _FONTS[rng.integers(len(_FONTS))]
    if rng.random() < 0.3:
        font |= cv2.FONT_ITALIC
    thickness = int(rng.integers(2, 5))
    text = str(digit)
    (_, h), _ = cv2.getTextSize(text, font, 1.0, thickness)
    scale = 30.0 / max(h, 1)
    (w, h), _ = cv2.getTextSize(text, font, scale, thickness)
    canvas = np.zeros((_CANVAS, _CANVAS), np.uint8)
    origin = ((_CANVAS - w) // 2, (_CANVAS + h) // 2)
    cv2.putText(canvas, text, origin, font, scale, 255, thickness,
                cv2.LINE_AA)

    # One remap applies a random scale, rotation and shear about the centre
    # (as the inverse map: output pixel -> source pixel) plus the elastic
    # displacement.
    angle = math.radians(rng.uniform(-15.0, 15.0))
    shear = rng.uniform(-0.3, 0.3)
    zoom = rng.uniform(0.85, 1.15)
    alpha = rng.uniform(0.8, 1.6)
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    (a, b), (c, d) = (np.array([[cos, -sin], [sin, cos]]) @ np.array(
        [[1.0, shear], [0.0, 1.0]])).tolist()
    u, v = _GRID_X - _CANVAS / 2, _GRID_Y - _CANVAS / 2
    map_x = a * u + b * v + _CANVAS / 2 + alpha * field[0]
    map_y = c * u + d * v + _CANVAS / 2 + alpha * field[1]
    return cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR)


def _normalise(image: np.ndarray, size: int) -> np.ndarray:
    """Fit the ink's bounding box into MNIST's 20 x 20 box (scaled to
    ``size``) and centre the centre of mass in a ``size x size`` image."""
    x, y, w, h = cv2.boundingRect((image > 8).astype(np.uint8))
    if w == 0 or h == 0:
        return np.zeros((size, size), np.uint8)
    crop = image[y:y + h, x:x + w]
    box = max(1, round(_BOX * size / 28))
    factor = box / max(crop.shape)
    h = max(1, round(crop.shape[0] * factor))
    w = max(1, round(crop.shape[1] * factor))
    crop = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)
    moments = cv2.moments(crop)
    cy = moments['m01'] / moments['m00'] if moments['m00'] else h / 2
    cx = moments['m10'] / moments['m00'] if moments['m00'] else w / 2
    shift = np.float32([[1, 0, size / 2 - cx], [0, 1, size / 2 - cy]])
    out = cv2.warpAffine(crop, shift, (size, size), flags=cv2.INTER_LINEAR)
    return np.clip(out * (255.0 / max(out.max(), 1.0)), 0,
                   255).astype(np.uint8)


def make_stand_in_digits(num: int,
                         seed: int,
                         size: int = 28,
                         stream: int = 0) -> np.ndarray:
    """Generate ``num`` stand-in digit images, deterministic per ``seed``.

    The classes cycle 0..9 so every digit is equally frequent.

    Args:
        num (int): Number of images.
        seed (int): Seed of the generator (any non-negative int).
        size (int): Image height and width. Defaults to 28 (MNIST).
        stream (int): Independent stream for the same seed (e.g. one for
            training digits, one for test digits). Defaults to 0.

    Returns:
        np.ndarray: ``uint8`` images of shape ``(num, size, size)``, black
        background, white ink, like MNIST.
    """
    rng = np.random.default_rng([0x57A4D, stream, seed])
    fields = _elastic_fields(rng, num)
    images = np.empty((num, size, size), np.uint8)
    for k in range(num):
        images[k] = _normalise(_draw(rng, k % 10, fields[k]), size)
    return images

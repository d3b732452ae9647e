"""Procedural stand-in for handwritten MNIST digits (no download needed).

Each image is one of the ten digits written as pen strokes: a few key points
per stroke (one of two styles per digit, each point jittered), rounded by
Chaikin corner cutting where the stroke is curved, randomly slanted,
rotated, stretched and elastically distorted (a smooth random displacement
field, Simard et al., ICDAR 2003), then rasterised with a random pen width
and normalised like MNIST: the ink's bounding box is fitted into 20 x 20
keeping its aspect ratio, in a 28 x 28 image whose centre is the ink's
centre of mass.

Everything is float64 numpy arithmetic (+, -, *, /, sqrt, min, sums) on
uniform draws of ``numpy.random.Generator.random``: no font, rasteriser or
interpolation of another library, so the digits, and the test sets
generated from them, are the same bytes on every machine and with every
version of OpenCV. Anti-aliasing is the pen's coverage of each pixel
approximated from the pixel centre's distance to the stroke.

The images look like digits and move like MNIST digits, which is enough to
run, test and debug the whole pipeline offline. They are NOT MNIST: numbers
measured on them are not comparable with published Moving MNIST results.
"""
from typing import List, Tuple

import numpy as np

_BOX = 20  # MNIST fits each digit into a 20 x 20 box of a 28 x 28 image
_JITTER = 0.035  # key point jitter, in digit heights
_ELASTIC_CELLS = 3  # coarse grid of the displacement field (cells per axis)

# A stroke: (smooth, closed, key points (x, y) in a 0.6 x 1 box, y down).
Stroke = Tuple[bool, bool, Tuple[Tuple[float, float], ...]]
_O = ((0.3, 0.0), (0.55, 0.14), (0.6, 0.5), (0.55, 0.86), (0.3, 1.0),
      (0.05, 0.86), (0.0, 0.5), (0.05, 0.14))
_STYLES: Tuple[Tuple[Tuple[Stroke, ...], ...], ...] = (
    # 0: an oval; an oval with a slash
    (((True, True, _O), ),
     ((True, True, _O), (False, False, ((0.45, 0.2), (0.15, 0.8))))),
    # 1: a bar; a bar with a flag and a foot
    (((False, False, ((0.32, 0.0), (0.28, 1.0))), ),
     ((False, False, ((0.1, 0.2), (0.32, 0.0), (0.3, 1.0))),
      (False, False, ((0.12, 1.0), (0.48, 1.0))))),
    # 2: a curved neck on a flat base; a looped neck
    (((True, False, ((0.03, 0.22), (0.18, 0.02), (0.45, 0.02), (0.58, 0.22),
                     (0.48, 0.5), (0.0, 1.0))),
      (False, False, ((0.0, 1.0), (0.6, 0.98)))),
     ((True, False, ((0.05, 0.18), (0.3, 0.0), (0.55, 0.15), (0.45, 0.55),
                     (0.05, 0.95), (0.2, 0.82), (0.35, 0.98),
                     (0.6, 0.95))), )),
    # 3: two bows; a flat top and a bow
    (((True, False, ((0.05, 0.1), (0.3, 0.0), (0.55, 0.12), (0.5, 0.36),
                     (0.22, 0.47))),
      (True, False, ((0.22, 0.47), (0.55, 0.6), (0.58, 0.86), (0.3, 1.0),
                     (0.0, 0.88)))),
     ((False, False, ((0.05, 0.0), (0.55, 0.0), (0.25, 0.42))),
      (True, False, ((0.25, 0.42), (0.58, 0.6), (0.55, 0.88), (0.3, 1.0),
                     (0.0, 0.88))))),
    # 4: closed; open
    (((False, False, ((0.45, 1.0), (0.45, 0.0), (0.0, 0.68), (0.6, 0.68))), ),
     ((False, False, ((0.12, 0.0), (0.02, 0.62), (0.6, 0.62))),
      (False, False, ((0.45, 0.3), (0.45, 1.0))))),
    # 5: flag and belly, drawn as one stroke or two
    (((False, False, ((0.55, 0.0), (0.1, 0.0), (0.05, 0.45))),
      (True, False, ((0.05, 0.45), (0.3, 0.36), (0.56, 0.5), (0.58, 0.8),
                     (0.32, 1.0), (0.0, 0.9)))),
     ((False, False, ((0.1, 0.02), (0.05, 0.45))),
      (False, False, ((0.1, 0.02), (0.58, 0.0))),
      (True, False, ((0.05, 0.45), (0.35, 0.38), (0.6, 0.6), (0.5, 0.92),
                     (0.2, 1.0), (0.0, 0.88))))),
    # 6: a curved stem into a loop; a straighter stem
    (((True, False, ((0.52, 0.02), (0.2, 0.15), (0.02, 0.55), (0.1, 0.92),
                     (0.35, 1.0), (0.58, 0.8), (0.48, 0.55), (0.22, 0.52),
                     (0.04, 0.68))), ),
     ((True, False, ((0.4, 0.0), (0.1, 0.4), (0.0, 0.75), (0.25, 1.0),
                     (0.55, 0.9), (0.55, 0.62), (0.3, 0.52),
                     (0.05, 0.7))), )),
    # 7: plain; with a crossbar
    (((False, False, ((0.0, 0.02), (0.6, 0.0), (0.22, 1.0))), ),
     ((False, False, ((0.0, 0.02), (0.6, 0.0), (0.25, 1.0))),
      (False, False, ((0.15, 0.5), (0.52, 0.48))))),
    # 8: two loops; one crossing stroke
    (((True, True, ((0.3, 0.0), (0.52, 0.1), (0.5, 0.36), (0.3, 0.47),
                    (0.1, 0.36), (0.08, 0.1))),
      (True, True, ((0.3, 0.47), (0.56, 0.6), (0.58, 0.86), (0.3, 1.0),
                    (0.02, 0.86), (0.04, 0.6)))),
     ((True, True, ((0.5, 0.08), (0.3, 0.0), (0.08, 0.12), (0.12, 0.36),
                    (0.5, 0.62), (0.56, 0.9), (0.3, 1.0), (0.04, 0.9),
                    (0.1, 0.62), (0.48, 0.36))), )),
    # 9: a loop on a straight stem; on a curved stem
    (((True, True, ((0.3, 0.0), (0.55, 0.12), (0.55, 0.38), (0.3, 0.48),
                    (0.05, 0.36), (0.05, 0.12))),
      (False, False, ((0.56, 0.2), (0.48, 1.0)))),
     ((True, True, ((0.3, 0.0), (0.55, 0.12), (0.55, 0.38), (0.3, 0.48),
                    (0.05, 0.36), (0.05, 0.12))),
      (True, False, ((0.56, 0.25), (0.55, 0.7), (0.4, 1.0), (0.1, 0.95))))),
)


def _chaikin(points: np.ndarray, closed: bool, rounds: int = 2) -> np.ndarray:
    """Round a polyline ``(K, 2)`` by Chaikin corner cutting (each segment
    is replaced by its 1/4 and 3/4 points); open ends stay in place."""
    for _ in range(rounds):
        a = points
        b = np.roll(points, -1, axis=0) if closed else points[1:]
        a = a if closed else a[:-1]
        cut = np.stack([0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b], axis=1)
        cut = cut.reshape(-1, 2)
        points = cut if closed else np.concatenate(
            [points[:1], cut, points[-1:]])
    return np.concatenate([points, points[:1]]) if closed else points


def _segments(rng: np.random.Generator, digit: int) -> np.ndarray:
    """The pen's path for one digit: segments ``(S, 2, 2)`` (start/end, x/y)
    in digit heights, after jitter, rounding and distortion."""
    styles = _STYLES[digit]
    strokes = styles[int(rng.random() * len(styles))]
    paths: List[np.ndarray] = []
    for smooth, closed, keys in strokes:
        keys = np.array(keys) + _JITTER * (2 * rng.random((len(keys), 2)) - 1)
        paths.append(_chaikin(keys, closed) if smooth else keys)
    segments = np.concatenate([np.stack([p[:-1], p[1:]], 1) for p in paths])
    u = rng.random(5)
    shape = segments.shape
    points = _elastic(rng, segments.reshape(-1, 2) - (0.3, 0.5))
    # Rotation by angle theta with tan(theta / 2) = t (rational form: no
    # trigonometric function), within about +-15 degrees, then a slant and
    # a horizontal stretch.
    t = 0.26 * u[0] - 0.13
    cos, sin = (1 - t * t) / (1 + t * t), 2 * t / (1 + t * t)
    shear, stretch = 0.6 * u[1] - 0.3, 0.8 + 0.45 * u[2]
    x, y = points[:, 0] * stretch + shear * points[:, 1], points[:, 1]
    points = np.stack([cos * x - sin * y, sin * x + cos * y], 1)
    return points.reshape(shape)


def _elastic(rng: np.random.Generator, points: np.ndarray) -> np.ndarray:
    """Displace ``points`` (N, 2), centred on the digit, by a smooth random
    field: uniform displacements on a coarse grid over [-0.8, 0.8]^2,
    interpolated with smoothstep weights (C1, no trigonometry)."""
    n = _ELASTIC_CELLS
    amplitude = 0.02 + 0.05 * rng.random()
    grid = amplitude * (2 * rng.random((n + 1, n + 1, 2)) - 1)
    g = np.clip((points + 0.8) / 1.6 * n, 0, n - 1e-9)
    cell = g.astype(np.int64)
    f = g - cell
    w = f * f * (3 - 2 * f)
    (cx, cy), (wx, wy) = cell.T, w.T
    wx, wy = wx[:, None], wy[:, None]
    top = grid[cy, cx] * (1 - wx) + grid[cy, cx + 1] * wx
    bottom = grid[cy + 1, cx] * (1 - wx) + grid[cy + 1, cx + 1] * wx
    return points + top * (1 - wy) + bottom * wy


def _render(segments: np.ndarray, radius: float, size: int) -> np.ndarray:
    """Ink coverage in [0, 1] of a pen of ``radius`` pixels along
    ``segments`` (pixel coordinates), on a ``size x size`` image: one minus
    the distance of each pixel centre from the path beyond the radius."""
    centres = np.arange(size) + 0.5
    px = np.broadcast_to(centres[None, :, None], (size, size, 1))
    py = np.broadcast_to(centres[:, None, None], (size, size, 1))
    a, b = segments[:, 0], segments[:, 1]
    dx, dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
    length2 = np.maximum(dx * dx + dy * dy, 1e-12)
    rx, ry = px - a[:, 0], py - a[:, 1]
    t = np.clip((rx * dx + ry * dy) / length2, 0.0, 1.0)
    ex, ey = rx - t * dx, ry - t * dy
    distance = np.sqrt((ex * ex + ey * ey).min(axis=2))
    return np.clip(radius + 0.5 - distance, 0.0, 1.0)


def _draw(rng: np.random.Generator, digit: int, size: int) -> np.ndarray:
    """One normalised stand-in digit, ``uint8 (size, size)``."""
    segments = _segments(rng, digit)
    box = _BOX * size / 28
    radius = (0.7 + 1.1 * rng.random()) * size / 28
    # Fit the ink (path plus pen) into the box, then move the centre of
    # mass of the rendered ink to the image centre and render again.
    low = segments.reshape(-1, 2).min(0)
    high = segments.reshape(-1, 2).max(0)
    scale = (box - 2 * radius) / max((high - low).max(), 1e-6)
    pixels = (segments - (low + high) / 2) * scale + size / 2
    ink = _render(pixels, radius, size)
    total = ink.sum()
    if total > 0:
        centres = np.arange(size) + 0.5
        mass = np.array([(ink.sum(0) * centres).sum(),
                         (ink.sum(1) * centres).sum()]) / total
        ink = _render(pixels + (size / 2 - mass), radius, size)
    peak = ink.max()
    if peak > 0:
        ink = ink / peak
    return np.floor(ink * 255 + 0.5).astype(np.uint8)


def make_stand_in_digits(num: int,
                         seed: int,
                         size: int = 28,
                         stream: int = 0) -> np.ndarray:
    """Generate ``num`` stand-in digit images, deterministic per ``seed``
    and identical on every machine (see the module docstring).

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
    images = np.empty((num, size, size), np.uint8)
    for k in range(num):
        images[k] = _draw(rng, k % 10, size)
    return images


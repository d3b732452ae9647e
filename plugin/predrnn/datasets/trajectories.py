"""Bouncing trajectories of the standard Moving MNIST generator.

The dynamics follow Srivastava et al. (ICML 2015) as implemented in the widely
used generator code (e.g. OpenSTL's ``MovingMNIST.get_random_trajectory``):

* the position ``(x, y)`` lives in normalised coordinates ``[0, 1]^2`` that
  map to the free area ``image_size - digit_size`` of each axis;
* it starts uniform in ``[0, 1)``; the direction ``theta`` is uniform in
  ``[0, 2 pi)`` and the velocity is ``(v_y, v_x) = (sin theta, cos theta)``;
* each frame, ``y += v_y * step_length`` then ``x += v_x * step_length``
  (``step_length = 0.1``: a tenth of the free width); a coordinate that goes
  below 0 is set to 0 and its velocity component flipped, one above 1 is set
  to 1 and flipped (clamp and flip, not mirror reflection);
* pixel offsets (top-left corner of the digit) are ``int(coord * free)``:
  truncation towards zero, as OpenSTL's ``astype(np.int32)``.

One deliberate difference from OpenSTL: frame 0 is the start position (OpenSTL
records the position after the first step). Both are the same process shifted
by one step; the distribution of clips is unchanged.

The loop runs on Python floats: for the 2 x 20 steps of a clip this is
several times faster than numpy on arrays of two elements.
"""
import math
from typing import List, Tuple


def bounce_trajectory(x: float, y: float, theta: float, num_frames: int,
                      step_length: float = 0.1) -> Tuple[List[float],
                                                         List[float]]:
    """Normalised positions of one digit over ``num_frames`` frames.

    Args:
        x (float): Start column coordinate in ``[0, 1]``.
        y (float): Start row coordinate in ``[0, 1]``.
        theta (float): Direction in radians; ``v_y = sin``, ``v_x = cos``.
        num_frames (int): Number of frames T.
        step_length (float): Distance per frame in normalised units.
            Defaults to 0.1.

    Returns:
        tuple[list[float], list[float]]: ``(ys, xs)``, T values each, frame 0
        being the start position.
    """
    v_y, v_x = math.sin(theta), math.cos(theta)
    ys, xs = [y], [x]
    for _ in range(num_frames - 1):
        y += v_y * step_length
        x += v_x * step_length
        if x < 0.0:
            x, v_x = 0.0, -v_x
        elif x > 1.0:
            x, v_x = 1.0, -v_x
        if y < 0.0:
            y, v_y = 0.0, -v_y
        elif y > 1.0:
            y, v_y = 1.0, -v_y
        ys.append(y)
        xs.append(x)
    return ys, xs


def pixel_offsets(coords: List[float], free: int) -> List[int]:
    """Map normalised coordinates to integer pixel offsets by truncation.

    Args:
        coords (list[float]): Values in ``[0, 1]``.
        free (int): ``image_size - digit_size``.

    Returns:
        list[int]: ``int(c * free)`` for each coordinate, in ``[0, free]``.
    """
    return [int(c * free) for c in coords]

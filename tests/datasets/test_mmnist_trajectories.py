"""Trajectories and composition of Moving MNIST clips against
docs/en/datasets.md."""
import math

import numpy as np
import pytest
from mmnist_helpers import random_digits, spec_clip, spec_draws, spec_positions

from predrnn.datasets import ClipGenerator, bounce_trajectory, pixel_offsets


def test_bounce_hand_computed():
    # Moving right (theta = 0: v = (sin, cos) = (0, 1)) from x = 0.95 in a
    # 64 px canvas with 28 px digits (free = 36): 0.95 -> 1.05 clamps to 1
    # and flips, then 0.9, 0.8; y stays at 0.5.
    ys, xs = bounce_trajectory(0.95, 0.5, 0.0, 4)
    assert pixel_offsets(xs, 36) == [34, 36, 32, 28]
    assert pixel_offsets(ys, 36) == [18] * 4
    # Moving up-left (theta = 5/4 pi): both coordinates hit 0 and flip.
    ys, xs = bounce_trajectory(0.05, 0.05, 1.25 * math.pi, 3)
    assert xs[1] == 0.0 and ys[1] == 0.0
    assert xs[2] == pytest.approx(0.1 * math.sqrt(0.5))


@pytest.mark.parametrize('seed', range(5))
def test_trajectory_matches_spec(seed):
    rng = np.random.default_rng(seed)
    x, y, u = rng.random(3)
    theta = 2 * math.pi * u
    ys, xs = bounce_trajectory(x, y, theta, 60)  # long enough to bounce
    assert (pixel_offsets(ys, 36),
            pixel_offsets(xs, 36)) == spec_positions(x, y, theta, 60, 36)


def test_single_digit_positions_in_rendered_clip():
    # A marker digit: one bright pixel at its top-left corner.
    digit = np.zeros((1, 6, 6), np.uint8)
    digit[0, 0, 0] = 255
    gen = ClipGenerator(digit, image_size=20, num_digits=1, num_frames=30)
    clip = gen.render([0], [0.9], [0.2], [2.0])
    rows, cols = spec_positions(0.9, 0.2, 2.0, 30, free=14)
    found = [tuple(np.argwhere(frame == 255)[0]) for frame in clip]
    assert found == list(zip(rows, cols))
    assert len(set(rows)) > 5 and len(set(cols)) > 5
    assert (clip > 0).sum() == 30  # nothing else drawn


def test_composition_is_pixelwise_maximum():
    a = np.full((4, 4), 100, np.uint8)
    b = np.array([[0, 50, 200, 255]] * 4, np.uint8)
    gen = ClipGenerator(np.stack([a, b]), image_size=8, num_digits=2,
                        num_frames=1)
    clip = gen.render([0, 1], [0.5, 0.5], [0.5, 0.5], [0.0, 0.0])
    np.testing.assert_array_equal(clip[0, 2:6, 2:6], np.maximum(a, b))
    assert clip.sum() == np.maximum(a, b).astype(int).sum()


@pytest.mark.parametrize('num_digits', [1, 2, 3])
def test_generate_follows_documented_draws(num_digits):
    digits = random_digits(5, size=6)
    gen = ClipGenerator(digits, image_size=16, num_digits=num_digits,
                        num_frames=12)
    clip = gen.generate(np.random.default_rng(123))
    ids, xs, ys, thetas = spec_draws(123, num_digits, 5)
    expected = spec_clip(digits, ids, xs, ys, thetas, 12, 16)
    np.testing.assert_array_equal(clip, expected)

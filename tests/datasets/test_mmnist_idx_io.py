"""IDX image parsing and the fixed-set (.npy) loader."""
import gzip

import numpy as np
import pytest
from mmnist_helpers import random_digits, write_idx

from predrnn.datasets import load_clip_file, read_idx_images


@pytest.mark.parametrize('compress', [False, True])
def test_read_idx_plain_and_gz(tmp_path, compress):
    images = random_digits(3, size=5)
    path = write_idx(tmp_path / 'imgs', images, compress=compress)
    out = read_idx_images(path)
    assert out.dtype == np.uint8 and out.shape == (3, 5, 5)
    np.testing.assert_array_equal(out, images)


def test_read_idx_non_square(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(
        read_idx_images(write_idx(tmp_path / 'a', images)), images)


@pytest.mark.parametrize('compress', [False, True])
def test_truncated_idx(tmp_path, compress):
    path = tmp_path / 'trunc'
    write_idx(path, random_digits(3, size=5))
    data = path.read_bytes()[:-7]
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(ValueError, match=r'trunc.*truncated'):
        read_idx_images(path)


def test_truncated_gzip_stream(tmp_path):
    path = tmp_path / 'cut.gz'
    write_idx(path, random_digits(50, size=28), compress=True)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match=r'cut\.gz.*gzip'):
        read_idx_images(path)


def test_short_header(tmp_path):
    path = tmp_path / 'short'
    path.write_bytes(b'\x00\x00\x08\x03\x00')
    with pytest.raises(ValueError, match=r'short.*header'):
        read_idx_images(path)


def test_wrong_magic(tmp_path):
    # 2049 is the magic of IDX label files: a common mix-up.
    path = write_idx(tmp_path / 'labels', random_digits(2, 4), magic=2049)
    with pytest.raises(ValueError, match=r'labels.*magic number is 2049'):
        read_idx_images(path)


def test_oversized(tmp_path):
    path = write_idx(tmp_path / 'big', random_digits(2, 4))
    path.write_bytes(path.read_bytes() + b'\x00')
    with pytest.raises(ValueError, match=r'big.*oversized'):
        read_idx_images(path)


def test_load_clip_file(tmp_path):
    arr = np.random.default_rng(0).integers(0, 256, (4, 3, 8, 8), np.uint8)
    np.save(tmp_path / 'seq.npy', arr)
    out = load_clip_file(tmp_path / 'seq.npy', image_size=8)
    np.testing.assert_array_equal(out, arr)
    with pytest.raises(ValueError, match='16 x 16'):
        load_clip_file(tmp_path / 'seq.npy', image_size=16)


@pytest.mark.parametrize('arr', [
    np.zeros((4, 3, 8), np.uint8),
    np.zeros((4, 3, 8, 8), np.float32),
    np.asfortranarray(np.zeros((4, 3, 8, 8), np.uint8)),
], ids=['3d', 'float', 'fortran'])
def test_clip_file_wrong_arrays(tmp_path, arr):
    path = tmp_path / 'bad.npy'
    np.save(path, arr)
    with pytest.raises(ValueError, match=r'bad\.npy.*\[T, N, H, W\]'):
        load_clip_file(path)


def test_clip_file_truncated_and_garbage(tmp_path):
    path = tmp_path / 'cut.npy'
    np.save(path, np.zeros((2, 2, 8, 8), np.uint8))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r'cut\.npy.*truncated'):
        load_clip_file(path)
    path.write_bytes(b'not a numpy file at all')
    with pytest.raises(ValueError, match=r'cut\.npy.*not a valid \.npy'):
        load_clip_file(path)

"""Reading MNIST-format IDX image files (plain or gzipped).

The IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/) stores an
``N x H x W`` array of unsigned bytes after a 16-byte header: the magic number
2051 (``0x00000803``: data type ``0x08`` = unsigned byte, 3 dimensions),
then ``N``, ``H`` and ``W`` as big-endian 32-bit integers. MNIST,
Fashion-MNIST and KMNIST all ship their images in this format, so any of them
can feed :class:`~predrnn.datasets.MovingMNIST`.
"""
import gzip
import os
import zlib
from typing import Tuple, Union

import numpy as np

IDX_IMAGES_MAGIC = 2051
_HEADER_BYTES = 16
_GZIP_MAGIC = b'\x1f\x8b'

PathLike = Union[str, os.PathLike]


def _read_bytes(path: PathLike) -> bytes:
    """Return the (decompressed) bytes of ``path``; gzip is detected by its
    magic bytes, not by the file name."""
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as err:
        raise ValueError(f'{os.fspath(path)}: corrupt or truncated gzip '
                         f'stream ({err})') from err


def parse_idx_header(data: bytes, name: str = '<bytes>') -> Tuple[int, int,
                                                                  int]:
    """Validate the header of an IDX image file and return ``(N, H, W)``.

    Args:
        data (bytes): The decompressed file content (at least the header).
        name (str): The file name used in error messages.
            Defaults to ``'<bytes>'``.

    Returns:
        tuple[int, int, int]: Number of images, rows and columns.

    Raises:
        ValueError: If the header is short, the magic is not 2051 or a size
            is zero.
    """
    if len(data) < _HEADER_BYTES:
        raise ValueError(f'{name}: truncated IDX file, {len(data)} bytes is '
                         f'shorter than the {_HEADER_BYTES}-byte header')
    magic, num, rows, cols = np.frombuffer(
        data[:_HEADER_BYTES], dtype='>u4').tolist()
    if magic != IDX_IMAGES_MAGIC:
        raise ValueError(
            f'{name}: not an IDX image file, magic number is {magic} '
            f'(0x{magic:08x}), expected {IDX_IMAGES_MAGIC} (0x00000803: '
            'unsigned bytes, 3 dimensions)')
    if min(num, rows, cols) == 0:
        raise ValueError(f'{name}: empty IDX image file, header sizes are '
                         f'{num} x {rows} x {cols}')
    return num, rows, cols


def read_idx_images(path: PathLike) -> np.ndarray:
    """Read an MNIST-format IDX image file, plain or gzipped.

    Args:
        path (str | os.PathLike): e.g. ``train-images-idx3-ubyte.gz`` of
            MNIST or Fashion-MNIST.

    Returns:
        np.ndarray: ``uint8`` images of shape ``(N, H, W)``.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is corrupt, truncated, too long or not an
            IDX image file; the message names the file and the problem.
    """
    name = os.fspath(path)
    data = _read_bytes(path)
    num, rows, cols = parse_idx_header(data, name)
    expected = _HEADER_BYTES + num * rows * cols
    if len(data) != expected:
        kind = 'truncated' if len(data) < expected else 'oversized'
        raise ValueError(
            f'{name}: {kind} IDX image file, header announces {num} images '
            f'of {rows} x {cols} ({expected} bytes with the header) but the '
            f'data holds {len(data)} bytes')
    images = np.frombuffer(data, dtype=np.uint8, offset=_HEADER_BYTES)
    return images.reshape(num, rows, cols)


def write_idx_images(path: PathLike, images: np.ndarray,
                     compress: bool = False) -> None:
    """Write ``(N, H, W)`` uint8 images as an IDX file (tests and tools).

    Args:
        path (str | os.PathLike): Destination.
        images (np.ndarray): ``uint8`` array of shape ``(N, H, W)``.
        compress (bool): Gzip the file. Defaults to False.
    """
    images = np.ascontiguousarray(images, dtype=np.uint8)
    if images.ndim != 3:
        raise ValueError(f'expected (N, H, W) images, got {images.shape}')
    header = np.array((IDX_IMAGES_MAGIC, ) + images.shape, dtype='>u4')
    data = header.tobytes() + images.tobytes()
    if compress:
        data = gzip.compress(data)
    with open(path, 'wb') as f:
        f.write(data)

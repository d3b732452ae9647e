"""Fixed sets of clips stored as ``.npy`` like ``mnist_test_seq.npy``.

The standard Moving MNIST test set (Srivastava et al., 2015,
http://www.cs.toronto.edu/~nitish/unsupervised_video/) is one ``uint8`` array
of shape ``[T, N, H, W] = [20, 10000, 64, 64]``: time first, then clips. The
generated stand-in test sets are written in the same layout, so one loader
serves both. Files are memory-mapped: the 820 MB standard file is shared by
every DataLoader worker through the page cache instead of being copied.
"""
import os
from typing import Callable, Optional, Tuple, Union

import numpy as np

from predrnn.utils.atomic_write import atomic_write

PathLike = Union[str, os.PathLike]

_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def read_clip_header(path: PathLike) -> Tuple[Tuple[int, ...], np.dtype]:
    """Validate a clip file without loading it and return its shape, dtype.

    Args:
        path (str | os.PathLike): A ``.npy`` file in the standard layout.

    Returns:
        tuple: ``(shape, dtype)``; the shape is ``(T, N, H, W)``.

    Raises:
        ValueError: If the file is not a ``.npy`` file, is not a C-ordered
            4-D ``uint8`` array or is truncated; the message names the file.
    """
    name = os.fspath(path)
    with open(path, 'rb') as f:
        try:
            version = np.lib.format.read_magic(f)
            read_header = _HEADER_READERS.get(version)
            if read_header is None:
                raise ValueError(f'unsupported .npy version {version}')
            shape, fortran, dtype = read_header(f)
        except ValueError as err:
            raise ValueError(f'{name}: not a valid .npy file ({err})') from err
        offset = f.tell()
    if dtype != np.uint8 or len(shape) != 4 or fortran:
        order = 'Fortran' if fortran else 'C'
        raise ValueError(
            f'{name}: expected a C-ordered uint8 array of shape '
            f'[T, N, H, W] (time first, as mnist_test_seq.npy '
            f'[20, 10000, 64, 64]), got {order}-ordered {dtype} of shape '
            f'{list(shape)}')
    expected = offset + int(np.prod(shape))
    size = os.path.getsize(path)
    if size != expected:
        raise ValueError(f'{name}: truncated or oversized .npy file, the '
                         f'header announces {list(shape)} ({expected} bytes) '
                         f'but the file has {size} bytes')
    return tuple(shape), dtype


def load_clip_file(path: PathLike,
                   image_size: Optional[int] = None) -> np.ndarray:
    """Memory-map a clip file after validating it.

    Args:
        path (str | os.PathLike): A ``.npy`` file in the standard layout.
        image_size (int, optional): Expected frame height and width.
            Defaults to None (any).

    Returns:
        np.ndarray: Read-only ``uint8`` memmap of shape ``(T, N, H, W)``.
    """
    shape, _ = read_clip_header(path)
    if image_size is not None and shape[2:] != (image_size, image_size):
        raise ValueError(f'{os.fspath(path)}: frames are {shape[2]} x '
                         f'{shape[3]}, the dataset is configured for '
                         f'{image_size} x {image_size}')
    return np.load(path, mmap_mode='r')


def write_clip_file_atomic(path: PathLike, shape: Tuple[int, int, int, int],
                           fill: Callable[[np.ndarray], None]) -> None:
    """Write a clip file through :func:`predrnn.utils.atomic_write`.

    An interrupted run or a ``fill`` that raises never leaves a partial file
    at ``path``, and concurrent writers (e.g. several distributed ranks) each
    rename a complete file, so readers always see a whole one.

    Args:
        path (str | os.PathLike): Destination ``.npy`` file.
        shape (tuple[int, int, int, int]): ``(T, N, H, W)``.
        fill (Callable[[np.ndarray], None]): Called with a writable
            ``uint8`` memmap of ``shape`` to fill in.
    """
    with atomic_write(path) as tmp:
        array = np.lib.format.open_memmap(
            tmp, mode='w+', dtype=np.uint8, shape=tuple(shape))
        try:
            fill(array)
            array.flush()
        finally:
            del array  # close the map before the rename or the removal

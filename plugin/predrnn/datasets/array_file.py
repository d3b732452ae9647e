"""Open ``.npy`` / ``.npz`` arrays memory-mapped, never read whole.

``np.load(..., mmap_mode='r')`` maps ``.npy`` files. ``.npz`` archives are
zip files: a member stored without compression (``np.savez``) is mapped at
its offset inside the archive; a compressed member (``np.savez_compressed``)
cannot be mapped and is refused with the fix (convert once to ``.npy``).
"""
import json
import os
import zipfile
from typing import Optional, Tuple

import numpy as np


def sidecar_path(path: str) -> str:
    """``clips.npy`` -> ``clips.json`` (written by
    ``tools/dataset_converters/videos_to_array.py``)."""
    return os.path.splitext(path)[0] + '.json'


def read_sidecar(path: str) -> Optional[dict]:
    """The JSON sidecar of an array file, or None if there is none."""
    side = sidecar_path(path)
    if not os.path.isfile(side):
        return None
    try:
        with open(side) as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f'Cannot read the sidecar {side} of {path}: {err}. '
                         'Fix or delete it.') from err


def _npz_member(path: str, key: Optional[str]) -> Tuple[np.ndarray, str]:
    with zipfile.ZipFile(path) as archive:
        names = [n[:-4] for n in archive.namelist() if n.endswith('.npy')]
        if key is None:
            if len(names) != 1:
                raise ValueError(f'{path} holds arrays {names}; name one '
                                 'with npz_key=...')
            key = names[0]
        if key not in names:
            raise ValueError(f'{path} has no array {key!r}; it holds '
                             f'{names}.')
        info = archive.getinfo(key + '.npy')
        if info.compress_type != zipfile.ZIP_STORED:
            raise ValueError(
                f'{path}:{key} is compressed (np.savez_compressed) and '
                'cannot be memory-mapped; convert it once: np.save("x.npy", '
                f'np.load("{path}")["{key}"]) and point the dataset to the '
                '.npy.')
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            read_header = (np.lib.format.read_array_header_1_0
                           if version == (1, 0) else
                           np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(member)
            header_len = member.tell()
    # The member's data start after its local zip header.
    with open(path, 'rb') as f:
        f.seek(info.header_offset + 26)
        name_len, extra_len = np.frombuffer(f.read(4), '<u2')
    offset = info.header_offset + 30 + int(name_len) + int(extra_len)
    array = np.memmap(path, dtype=dtype, mode='r',
                      offset=offset + header_len, shape=shape,
                      order='F' if fortran else 'C')
    return array, key


def open_array(path: str, npz_key: Optional[str] = None) -> np.ndarray:
    """Memory-map the array of ``path`` (``.npy`` or uncompressed ``.npz``).

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: the file is not a readable numpy array (the message
            names the file and the fix).
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f'Array file {path} does not exist.')
    if os.path.isdir(path):
        raise ValueError(f'{path} is a directory, not an array file.')
    try:
        if path.lower().endswith('.npz'):
            return _npz_member(path, npz_key)[0]
        array = np.load(path, mmap_mode='r', allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        if 'npz_key' in str(err) or 'np.savez_compressed' in str(err) or \
                'has no array' in str(err):
            raise
        raise ValueError(f'Cannot read {path} as a numpy array ({err}); '
                         'give a .npy written by np.save or an uncompressed '
                         '.npz (np.savez).') from err
    if array.dtype == object:
        raise ValueError(f'{path} holds Python objects, not numbers.')
    return array

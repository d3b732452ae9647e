"""Checksums of data files: of the bytes, of the decompressed content, and
cached beside large files.

* :func:`file_digest` hashes the bytes as stored.
* :func:`content_digest` hashes what a reader sees: the decompressed stream
  of a gzip file, the bytes of any other file. Mirrors and Linux
  distributions re-gzip MNIST-format files (another header, mtime or
  level): the ``.gz`` bytes differ, the content does not.
* :func:`npy_digest` hashes the ``.npy`` file an array would be saved as,
  without writing it.
* :func:`cached_file_digest` remembers the digest of a large file (the
  820 MB ``mnist_test_seq.npy``) in a small sidecar JSON keyed by the
  file's size and mtime, so it is computed once, not on every run.
"""
import gzip
import hashlib
import json
import logging
import os
import zlib
from typing import BinaryIO, Optional

import numpy as np
from mmengine.logging import print_log

from predrnn.utils.atomic_write import atomic_write

_BLOCK = 1 << 20
_GZIP_MAGIC = b'\x1f\x8b'


def _hash_stream(stream: BinaryIO, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    for block in iter(lambda: stream.read(_BLOCK), b''):
        digest.update(block)
    return digest.hexdigest()


def file_digest(path: 'str | os.PathLike', algorithm: str = 'md5') -> str:
    """Hex digest of the bytes of ``path`` (``algorithm`` as in
    :func:`hashlib.new`)."""
    with open(path, 'rb') as f:
        return _hash_stream(f, algorithm)


def npy_digest(array, algorithm: str = 'sha256') -> str:
    """Hex digest of the bytes ``np.save`` writes for ``array`` (header and
    data): equal to :func:`file_digest` of that ``.npy`` file."""
    digest = hashlib.new(algorithm)

    class _Sink:
        write = digest.update

    np.save(_Sink(), array)
    return digest.hexdigest()


def is_gzip(path: 'str | os.PathLike') -> bool:
    """Whether ``path`` starts with the gzip magic bytes."""
    with open(path, 'rb') as f:
        return f.read(2) == _GZIP_MAGIC


def content_digest(path: 'str | os.PathLike',
                   algorithm: str = 'sha256') -> str:
    """Hex digest of the decompressed content of a gzip file, or of the
    bytes of a plain one (gzip recognised by its magic, not its name).

    Raises:
        ValueError: If the gzip stream is corrupt or truncated.
    """
    if not is_gzip(path):
        return file_digest(path, algorithm)
    try:
        with gzip.open(path, 'rb') as f:
            return _hash_stream(f, algorithm)
    except (EOFError, OSError, zlib.error) as err:
        raise ValueError(f'{os.fspath(path)}: corrupt or truncated gzip '
                         f'stream ({err})') from err


def sidecar_path(path: 'str | os.PathLike', algorithm: str) -> str:
    """``<folder>/.<name>.<algorithm>.json``: where the digest of ``path``
    is cached."""
    folder, name = os.path.split(os.fspath(path))
    return os.path.join(folder, f'.{name}.{algorithm}.json')


def cached_file_digest(path: 'str | os.PathLike',
                       algorithm: str = 'md5') -> str:
    """:func:`file_digest`, cached in :func:`sidecar_path`.

    The cache is used only while the file's size and modification time
    (in nanoseconds) are those recorded with the digest: any rewrite of the
    file invalidates it. A folder that cannot be written only costs the
    cache, never the result.
    """
    path = os.fspath(path)
    stat = os.stat(path)
    key = dict(size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    sidecar = sidecar_path(path, algorithm)
    cached = _read_sidecar(sidecar)
    if cached is not None and all(cached.get(k) == v for k, v in key.items()):
        digest = cached.get('digest')
        if isinstance(digest, str):
            return digest
    digest = file_digest(path, algorithm)
    try:
        with atomic_write(sidecar) as tmp:
            with open(tmp, 'w', encoding='utf-8') as f:
                json.dump(dict(key, digest=digest), f)
    except OSError as err:
        print_log(f'cannot cache the {algorithm} of {path} in {sidecar} '
                  f'({err}); it will be computed again next time',
                  logger='current', level=logging.DEBUG)
    return digest


def _read_sidecar(sidecar: str) -> Optional[dict]:
    try:
        with open(sidecar, encoding='utf-8') as f:
            cached = json.load(f)
    except (OSError, ValueError):
        return None
    return cached if isinstance(cached, dict) else None

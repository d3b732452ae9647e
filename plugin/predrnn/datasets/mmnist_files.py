"""The published files of Moving MNIST and Moving Fashion-MNIST, and how a
local file is checked against them.

Layout (OpenSTL's)::

    <data_root>/moving_mnist/train-images-idx3-ubyte.gz    MNIST train images
    <data_root>/moving_mnist/t10k-images-idx3-ubyte.gz     MNIST test images
    <data_root>/moving_mnist/mnist_test_seq.npy            standard test set
    <data_root>/moving_fmnist/train-images-idx3-ubyte.gz   Fashion-MNIST train
    <data_root>/moving_fmnist/t10k-images-idx3-ubyte.gz    Fashion-MNIST test

:func:`check_file` gives one of four verdicts:

* ``published``: the structure is valid and either the MD5 of the file is
  the published one, or the SHA-256 of its decompressed content is (a copy
  re-gzipped by a mirror or a Linux distribution, or gunzipped by the user).
* ``unverified``: valid structure, the bytes differ from the published
  ``.gz`` and no checksum of the decompressed content is known, so a
  re-compressed copy cannot be told from an altered one (a file whose
  content is known as another dataset's, e.g. Fashion-MNIST's images in
  the MNIST folder, is ``different``).
* ``different``: valid structure, but the content is known to differ from
  the published file (a user's own file, or altered data).
* ``invalid``: not a valid file of its kind (corrupt, truncated, wrong
  layout).

Where the checksums come from:

* ``CHECKSUMS`` / ``FMNIST_CHECKSUMS``: MD5 of each file as distributed.
  MNIST's are the well-known ones (also in ``torchvision.datasets.MNIST``),
  ``mnist_test_seq.npy``'s is ``torchvision.datasets.MovingMNIST``'s,
  Fashion-MNIST's are those of its README.
* ``FMNIST_CONTENT_SHA256``: SHA-256 of the decompressed Fashion-MNIST image
  files, computed here from Debian's ``dataset-fashion-mnist`` package
  (0.0~git20200523.55506a9-1), whose ``.gz`` files are themselves
  re-compressed (their MD5 is not the published one). That the content
  equals the published files' could not be checked against the published
  ``.gz`` here (no network); it is the upstream git snapshot the package
  names.
* ``CONTENT_SHA256`` (MNIST): unknown, no copy of MNIST was available to
  compute it. Re-gzipped or uncompressed MNIST files are therefore
  ``unverified``: accepted on their structure (an IDX image file of the
  right size) with a warning, never called ``published``.

Tests patch these tables; they are read at call time.
"""
import os
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

from .clip_file import read_clip_header
from .file_digest import content_digest, file_digest
from .idx_io import read_idx_images
from .standard_test_set import STANDARD_MD5, STANDARD_NAME, check_time_first

# Moving MNIST ('mmnist').
SUBDIR = 'moving_mnist'
MNIST_MIRRORS = ('https://ossci-datasets.s3.amazonaws.com/mnist/',
                 'http://yann.lecun.com/exdb/mnist/')
MMNIST_BASE = 'http://www.cs.toronto.edu/~nitish/unsupervised_video/'
BASE_URLS: Dict[str, Sequence[str]] = {
    'train-images-idx3-ubyte.gz': MNIST_MIRRORS,
    't10k-images-idx3-ubyte.gz': MNIST_MIRRORS,
    STANDARD_NAME: (MMNIST_BASE, ),
}
CHECKSUMS: Dict[str, Optional[str]] = {
    'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
    STANDARD_NAME: STANDARD_MD5,
}
CONTENT_SHA256: Dict[str, Optional[str]] = {
    'train-images-idx3-ubyte.gz': None,
    't10k-images-idx3-ubyte.gz': None,
}
FILES = tuple(BASE_URLS)

# Moving Fashion-MNIST ('mfmnist'): no standard test file.
FMNIST_SUBDIR = 'moving_fmnist'
FMNIST_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'
FMNIST_BASE_URLS: Dict[str, Sequence[str]] = {
    'train-images-idx3-ubyte.gz': (FMNIST_BASE, ),
    't10k-images-idx3-ubyte.gz': (FMNIST_BASE, ),
}
FMNIST_CHECKSUMS: Dict[str, Optional[str]] = {
    'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
}
FMNIST_CONTENT_SHA256: Dict[str, Optional[str]] = {
    'train-images-idx3-ubyte.gz':
    'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    't10k-images-idx3-ubyte.gz':
    '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
}
DATASETS = ('mmnist', 'mfmnist')

PUBLISHED, UNVERIFIED, DIFFERENT, INVALID = ('published', 'unverified',
                                             'different', 'invalid')


@dataclass
class FileCheck:
    """Verdict of :func:`check_file`: ``status`` (one of ``published``,
    ``unverified``, ``different``, ``invalid``) and ``reason``."""
    status: str
    reason: str

    @property
    def usable(self) -> bool:
        """Valid and not known to differ from the published file."""
        return self.status in (PUBLISHED, UNVERIFIED)


def tables(dataset: str) -> Tuple[str, Dict[str, Sequence[str]],
                                  Dict[str, Optional[str]],
                                  Dict[str, Optional[str]]]:
    """Folder, base URLs, MD5s and content SHA-256s (keyed by file name) of
    ``dataset``, looked up at call time."""
    known = {
        'mmnist': (SUBDIR, BASE_URLS, CHECKSUMS, CONTENT_SHA256),
        'mfmnist': (FMNIST_SUBDIR, FMNIST_BASE_URLS, FMNIST_CHECKSUMS,
                    FMNIST_CONTENT_SHA256),
    }
    if dataset not in known:
        raise ValueError(f'unknown dataset {dataset!r}, expected one of '
                         f'{DATASETS}')
    return known[dataset]


def check_structure(path: str, name: str) -> None:
    """Raise ValueError unless ``path`` is a valid file of the kind ``name``
    stands for: an IDX image file, or a time-first ``uint8`` clip array
    ``[T, N, 64, 64]`` for the ``.npy``."""
    if name.endswith('.npy'):
        shape, _ = read_clip_header(path)
        if shape[2:] != (64, 64):
            raise ValueError(f'{path}: frames are {shape[2]} x {shape[3]}, '
                             'expected 64 x 64')
        check_time_first(shape, path)
    else:
        read_idx_images(path)


def check_file(path: str, name: str, dataset: str = 'mmnist') -> FileCheck:
    """Check ``path`` as the published file ``name`` of ``dataset``
    (verdicts in the module docstring)."""
    try:
        check_structure(path, name)
    except (OSError, ValueError) as err:
        return FileCheck(INVALID, str(err))
    _, _, md5s, contents = tables(dataset)
    md5, content = md5s.get(name), contents.get(name)
    actual_md5 = None
    if md5 is not None:
        actual_md5 = file_digest(path, 'md5')
        if actual_md5 == md5:
            return FileCheck(PUBLISHED, 'MD5 matches the published file')
    if content is not None:
        actual = content_digest(path, 'sha256')
        if actual == content:
            return FileCheck(
                PUBLISHED, 'decompressed content matches the published '
                'file (SHA-256): a re-compressed or uncompressed copy')
        return FileCheck(
            DIFFERENT, f'the SHA-256 {actual} of its decompressed content '
            f'is not the published {content}')
    if md5 is None:
        return FileCheck(UNVERIFIED, 'no checksum is known for '
                         f'{name}; only its structure was checked')
    if not name.endswith('.gz'):
        return FileCheck(DIFFERENT, f'MD5 {actual_md5} is not the published '
                         f'{md5}')
    other = _known_elsewhere(path, name, dataset)
    if other is not None:
        return FileCheck(DIFFERENT, f'its content is {other}')
    return FileCheck(
        UNVERIFIED, f'its bytes differ from the published {name} (MD5 '
        f'{actual_md5}, published {md5}) and no checksum of the decompressed '
        'content is known, so a re-compressed copy cannot be told from '
        'altered data; only its structure was checked')


def _known_elsewhere(path: str, name: str, dataset: str) -> Optional[str]:
    """Which other dataset's published file has the content of ``path``
    (e.g. Fashion-MNIST's images put where MNIST's belong), or None."""
    actual = None
    for other in DATASETS:
        if other == dataset:
            continue
        for other_name, content in tables(other)[3].items():
            if content is None:
                continue
            actual = actual or content_digest(path, 'sha256')
            if actual == content:
                return f'the published {other_name} of {other!r}'
    return None


def validate(path: str,
             name: str,
             label: Optional[str] = None,
             dataset: str = 'mmnist') -> FileCheck:
    """:func:`check_file`, raising unless the file is usable.

    Args:
        path (str): The file to check.
        name (str): The published file name it stands for.
        label (str, optional): How to name the file in messages.
            Defaults to ``path``.
        dataset (str): ``'mmnist'`` or ``'mfmnist'``. Defaults to
            ``'mmnist'``.

    Returns:
        FileCheck: ``published`` or ``unverified``.

    Raises:
        ValueError: Naming the file and what is wrong.
    """
    check = check_file(path, name, dataset)
    if label is not None:
        check.reason = check.reason.replace(path, label)
    if not check.usable:
        where = label or path
        reason = check.reason
        if not reason.startswith(where):
            reason = f'{where}: {reason}'
        raise ValueError(reason)
    return check

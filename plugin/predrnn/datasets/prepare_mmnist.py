"""Fetching and validating the files of Moving MNIST (``'mmnist'``) and
Moving Fashion-MNIST (``'mfmnist'``) for ``tools/prepare_data.py``.

Layout (OpenSTL's, SPEC 8)::

    <data_root>/moving_mnist/train-images-idx3-ubyte.gz    MNIST train images
    <data_root>/moving_mnist/t10k-images-idx3-ubyte.gz     MNIST test images
    <data_root>/moving_mnist/mnist_test_seq.npy            standard test set
    <data_root>/moving_fmnist/train-images-idx3-ubyte.gz   Fashion-MNIST train
    <data_root>/moving_fmnist/t10k-images-idx3-ubyte.gz    Fashion-MNIST test

Moving Fashion-MNIST has no standard fixed test file: the dataset generates
one from the t10k images and caches it in the same folder.

Every file is written to a temporary file in the destination folder, checked
(MD5 and structure) and only then renamed into place, so an interrupted or
corrupt download never leaves a bad file behind. Files already present and
valid are kept.
"""
import hashlib
import http.client
import logging
import os
import shutil
import tempfile
import urllib.request
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from .clip_file import read_clip_header
from .idx_io import read_idx_images

# Moving MNIST ('mmnist').
SUBDIR = 'moving_mnist'
MNIST_MIRRORS = ('https://ossci-datasets.s3.amazonaws.com/mnist/',
                 'http://yann.lecun.com/exdb/mnist/')
MMNIST_BASE = 'http://www.cs.toronto.edu/~nitish/unsupervised_video/'

# Base URLs tried in order for each file.
BASE_URLS: Dict[str, Sequence[str]] = {
    'train-images-idx3-ubyte.gz': MNIST_MIRRORS,
    't10k-images-idx3-ubyte.gz': MNIST_MIRRORS,
    'mnist_test_seq.npy': (MMNIST_BASE, ),
}
# MD5 of each file as distributed (None: structure checks only). The MNIST
# sums are the well-known ones (also in torchvision.datasets.MNIST); the one
# of mnist_test_seq.npy is torchvision.datasets.MovingMNIST's. Tests patch
# these tables.
CHECKSUMS: Dict[str, Optional[str]] = {
    'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
    'mnist_test_seq.npy': 'be083ec986bfe91a449d63653c411eb2',
}
FILES = tuple(BASE_URLS)

# Moving Fashion-MNIST ('mfmnist'): the same file names with Fashion-MNIST's
# images (MD5s from its README); no standard test file.
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
DATASETS = ('mmnist', 'mfmnist')
_CHUNK = 1 << 16


def _tables(dataset: str) -> Tuple[str, Dict[str, Sequence[str]],
                                   Dict[str, Optional[str]]]:
    """Folder, base URLs and MD5s (keyed by file name) of ``dataset``;
    looked up at call time, so patching the module tables takes effect."""
    tables = {
        'mmnist': (SUBDIR, BASE_URLS, CHECKSUMS),
        'mfmnist': (FMNIST_SUBDIR, FMNIST_BASE_URLS, FMNIST_CHECKSUMS),
    }
    if dataset not in tables:
        raise ValueError(f'unknown dataset {dataset!r}, expected one of '
                         f'{DATASETS}')
    return tables[dataset]


def md5sum(path: str) -> str:
    """MD5 hex digest of a file."""
    digest = hashlib.md5()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def validate(path: str,
             name: str,
             label: Optional[str] = None,
             dataset: str = 'mmnist') -> None:
    """Check the file at ``path`` as the distributed file ``name`` of
    ``dataset``.

    The MD5 is checked when known and ``path`` holds that exact file (an
    uncompressed ``train-images-idx3-ubyte`` gets the structure checks only);
    the structure always: a valid IDX image file, or a ``uint8`` clip array
    ``[T, N, 64, 64]`` for the ``.npy``.

    Args:
        path (str): The file to check.
        name (str): The distributed file name it stands for.
        label (str, optional): How to name the file in messages.
            Defaults to ``path``.
        dataset (str): ``'mmnist'`` or ``'mfmnist'``; selects the MD5.
            Defaults to ``'mmnist'``.

    Raises:
        ValueError: Naming the file and what is wrong.
    """
    try:
        _validate(path, name, dataset)
    except ValueError as err:
        if label is None:
            raise
        raise ValueError(str(err).replace(path, label)) from None


def _validate(path: str, name: str, dataset: str) -> None:
    expected = _tables(dataset)[2].get(name)
    compressed_as_distributed = not (name.endswith('.gz')
                                     and _is_plain(path))
    if expected and compressed_as_distributed:
        actual = md5sum(path)
        if actual != expected:
            raise ValueError(f'{path}: MD5 {actual} does not match the '
                             f'known {expected} of {name}')
    if name.endswith('.npy'):
        shape, _ = read_clip_header(path)
        if shape[2:] != (64, 64):
            raise ValueError(f'{path}: frames are {shape[2]} x {shape[3]}, '
                             'expected 64 x 64')
    else:
        read_idx_images(path)


def _is_plain(path: str) -> bool:
    with open(path, 'rb') as f:
        return f.read(2) != b'\x1f\x8b'


def _is_valid(path: str, name: str, dataset: str) -> bool:
    try:
        validate(path, name, dataset=dataset)
        return True
    except (OSError, ValueError):
        return False


def _temp_beside(dst: str) -> str:
    fd, tmp = tempfile.mkstemp(
        dir=os.path.dirname(dst), prefix=os.path.basename(dst) + '.',
        suffix='.part')
    os.close(fd)
    return tmp


def _install(tmp: str, dst: str, name: str, source: str,
             dataset: str) -> None:
    """Validate ``tmp`` and rename it to ``dst``; remove it on failure."""
    try:
        validate(tmp, name, label=source, dataset=dataset)
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def download(url: str,
             dst: str,
             name: str,
             timeout: float = 60.0,
             dataset: str = 'mmnist') -> None:
    """Download ``url`` to ``dst`` through a validated temporary file.

    Args:
        url (str): Source URL.
        dst (str): Destination path.
        name (str): The distributed file name (selects the checks).
        timeout (float): Socket timeout in seconds. Defaults to 60.
        dataset (str): ``'mmnist'`` or ``'mfmnist'`` (selects the MD5).
            Defaults to ``'mmnist'``.
    """
    tmp = _temp_beside(dst)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, \
                open(tmp, 'wb') as f:
            total = int(response.headers.get('Content-Length') or 0)
            print_log(f'Downloading {url} ({total / 2**20:.1f} MiB, '
                      'progress in KiB)', logger='current')
            total_kib = -(-total // 1024)
            bar = ProgressBar(total_kib)
            every = max(1, total_kib // 100)  # about 100 updates
            done = shown = 0
            for block in iter(lambda: response.read(_CHUNK), b''):
                f.write(block)
                done += len(block)
                kib = -(-done // 1024)
                if kib > shown and (kib - shown >= every or done == total):
                    bar.update(kib - shown)
                    shown = kib
            bar.file.write('\n')
        if total and done != total:
            raise ValueError(f'{url}: incomplete download, {done} of '
                             f'{total} bytes')
    except BaseException:
        os.remove(tmp)
        raise
    _install(tmp, dst, name, 'the downloaded file', dataset)


def _find_local(from_dir: str, name: str) -> Optional[str]:
    candidates = [name] + ([name[:-3]] if name.endswith('.gz') else [])
    for candidate in candidates:
        path = os.path.join(from_dir, candidate)
        if os.path.isfile(path):
            return path
    return None


def prepare_mmnist(data_root: str = 'data',
                   mirrors: Optional[Sequence[str]] = None,
                   from_dir: Optional[str] = None,
                   timeout: float = 60.0,
                   dataset: str = 'mmnist') -> Dict[str, str]:
    """Fetch the files of ``dataset`` into its folder under ``data_root``:
    ``moving_mnist`` for Moving MNIST, ``moving_fmnist`` for Moving
    Fashion-MNIST.

    Args:
        data_root (str): Root of the data folder. Defaults to ``'data'``.
        mirrors (Sequence[str], optional): Base URLs replacing the default
            ones for every file (tried in order). Defaults to None.
        from_dir (str, optional): Take the files from this folder instead of
            the network (an uncompressed IDX file is accepted in place of the
            ``.gz``). Defaults to None.
        timeout (float): Socket timeout in seconds. Defaults to 60.
        dataset (str): ``'mmnist'`` (MNIST images and the standard test set)
            or ``'mfmnist'`` (Fashion-MNIST images). Defaults to
            ``'mmnist'``.

    Returns:
        dict[str, str]: For each file, ``'kept'``, ``'downloaded'``,
        ``'copied'`` or ``'failed: <reason>'``.
    """
    subdir, base_urls, _ = _tables(dataset)
    folder = os.path.join(data_root, subdir)
    os.makedirs(folder, exist_ok=True)
    results = {}
    for name in base_urls:
        dst = os.path.join(folder, name)
        existing = _find_local(folder, name)
        if existing is not None and _is_valid(existing, name, dataset):
            print_log(f'{existing}: present and valid, kept',
                      logger='current')
            results[name] = 'kept'
            continue
        if existing is not None:
            print_log(f'{existing}: present but invalid, removed',
                      logger='current', level=logging.WARNING)
            os.remove(existing)
        if from_dir is not None:
            results[name] = _copy_local(from_dir, folder, name, dataset)
        else:
            results[name] = _download_any(mirrors or base_urls[name], dst,
                                          name, timeout, dataset)
    return results


def _copy_local(from_dir: str, folder: str, name: str,
                dataset: str) -> str:
    src = _find_local(from_dir, name)
    if src is None:
        return f'failed: not found in {from_dir}'
    dst = os.path.join(folder, os.path.basename(src))
    tmp = _temp_beside(dst)
    try:
        shutil.copyfile(src, tmp)
        _install(tmp, dst, name, src, dataset)
    except (OSError, ValueError) as err:
        print_log(str(err), logger='current', level=logging.ERROR)
        return f'failed: {err}'
    print_log(f'{src} -> {dst}: valid, copied', logger='current')
    return 'copied'


def _download_any(bases: Sequence[str], dst: str, name: str, timeout: float,
                  dataset: str) -> str:
    errors: List[str] = []
    for base in bases:
        url = base.rstrip('/') + '/' + name
        try:
            download(url, dst, name, timeout, dataset)
            return 'downloaded'
        except (OSError, ValueError, http.client.HTTPException) as err:
            print_log(f'{url}: {err}', logger='current',
                      level=logging.WARNING)
            errors.append(f'{url}: {err}')
    return 'failed: ' + '; '.join(errors)

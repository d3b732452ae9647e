"""Fetching the files of Moving MNIST (``'mmnist'``) and Moving
Fashion-MNIST (``'mfmnist'``) for ``tools/prepare_data.py``.

What is fetched and how a file is checked: :mod:`.mmnist_files`.

Nothing the user has is lost:

* A new file is written through :func:`predrnn.utils.atomic_write`: it is
  fetched into a temporary file beside the destination, checked, and
  renamed into place only when complete and usable; a failed download or
  copy leaves nothing behind.
* A file already there that is the published one is kept. One that is
  valid but differs from it (a user's own ``mnist_test_seq.npy``) or cannot
  be verified is kept and reported, never deleted. ``force=True``
  (``--force``) replaces it, but only once a *published* replacement is in
  hand, and moves the old file aside to ``<name>.bak-<UTC time>``.
* An invalid file (corrupt, truncated, wrong layout) is replaced only by a
  usable replacement, and is moved aside too, not deleted; when no
  replacement can be had it stays as it is.
"""
import http.client
import logging
import os
import shutil
import time
import urllib.request
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from predrnn.utils.atomic_write import atomic_write
from .mmnist_files import (BASE_URLS, CHECKSUMS, CONTENT_SHA256, DATASETS,
                           FILES, FMNIST_BASE_URLS, FMNIST_CHECKSUMS,
                           FMNIST_CONTENT_SHA256, FMNIST_SUBDIR, INVALID,
                           PUBLISHED, SUBDIR, FileCheck, check_file, tables,
                           validate)

__all__ = [
    'prepare_mmnist', 'download', 'validate', 'check_file', 'FileCheck',
    'SUBDIR', 'FMNIST_SUBDIR', 'BASE_URLS', 'CHECKSUMS', 'CONTENT_SHA256',
    'FMNIST_BASE_URLS', 'FMNIST_CHECKSUMS', 'FMNIST_CONTENT_SHA256',
    'DATASETS', 'FILES'
]
_CHUNK = 1 << 16


class _Refused(ValueError):
    """A fetched file that is not an acceptable replacement."""


def _fetch_url(url: str, timeout: float) -> Callable[[str], None]:
    """A writer saving ``url`` to the path it is given, with a progress
    bar; raises on a short transfer."""

    def write(tmp: str) -> None:
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

    return write


def _backup_name(path: str) -> str:
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    backup, n = f'{path}.bak-{stamp}', 1
    while os.path.lexists(backup):
        backup, n = f'{path}.bak-{stamp}-{n}', n + 1
    return backup


def _keep_copy(path: str) -> str:
    """Keep the content of ``path`` under a backup name (a hard link, or a
    copy where links are not supported) while ``path`` stays in place."""
    backup = _backup_name(path)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)
    return backup


def _install(writer: Callable[[str], None], dst: str, name: str,
             dataset: str, label: str, old: Optional[str],
             need_published: bool) -> Tuple[FileCheck, Optional[str]]:
    """Fetch into a temporary file beside ``dst``, check it and rename it
    to ``dst``; the file ``old`` it replaces is moved aside only then.

    Returns:
        tuple: The check of the new file and the backup of ``old`` (None
        without ``old``).

    Raises:
        ValueError, OSError: The fetch failed or the file is refused;
        ``dst`` and ``old`` are untouched.
    """
    backup = None
    with atomic_write(dst) as tmp:
        writer(tmp)
        check = validate(tmp, name, label=label, dataset=dataset)
        if need_published and check.status != PUBLISHED:
            raise _Refused(f'{label} is not the published file either '
                           f'({check.reason}), so it replaces nothing')
        if old is not None and os.path.abspath(old) == os.path.abspath(dst):
            backup = _keep_copy(old)
    if old is not None and backup is None:
        backup = _backup_name(old)
        os.replace(old, backup)
    return check, backup


def download(url: str,
             dst: str,
             name: str,
             timeout: float = 60.0,
             dataset: str = 'mmnist') -> FileCheck:
    """Download ``url`` to ``dst`` through a checked temporary file.

    Args:
        url (str): Source URL.
        dst (str): Destination path (replaced only by a usable file).
        name (str): The published file name (selects the checks).
        timeout (float): Socket timeout in seconds. Defaults to 60.
        dataset (str): ``'mmnist'`` or ``'mfmnist'``. Defaults to
            ``'mmnist'``.

    Returns:
        FileCheck: The check of the downloaded file.
    """
    return _install(_fetch_url(url, timeout), dst, name, dataset,
                    'the downloaded file', None, False)[0]


def _find_local(folder: str, name: str) -> Optional[str]:
    """``name`` or, for a ``.gz``, its uncompressed name, in ``folder``."""
    candidates = [name] + ([name[:-3]] if name.endswith('.gz') else [])
    for candidate in candidates:
        path = os.path.join(folder, candidate)
        if os.path.lexists(path):
            if not os.path.isfile(path):
                raise ValueError(f'{path} exists but is not a file; move it '
                                 'away and run again')
            return path
    return None


def _check_folder(path: str, what: str, must_exist: bool) -> None:
    """Raise a clear error if ``path`` is a file (or, with ``must_exist``,
    missing) where a folder is expected."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(
            f'{what} {path} is a file, not a folder; it was left as it is. '
            f'Give {what} a folder (a new one is created).')
    if must_exist and not os.path.isdir(path):
        raise FileNotFoundError(
            f'{what} {path}: folder not found; give the folder that holds '
            'the downloaded files.')


def prepare_mmnist(data_root: str = 'data',
                   mirrors: Optional[Sequence[str]] = None,
                   from_dir: Optional[str] = None,
                   timeout: float = 60.0,
                   dataset: str = 'mmnist',
                   force: bool = False) -> Dict[str, str]:
    """Fetch the files of ``dataset`` into its folder under ``data_root``:
    ``moving_mnist`` for Moving MNIST, ``moving_fmnist`` for Moving
    Fashion-MNIST (rules for existing files in the module docstring).

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
        force (bool): Replace files that are valid but not the published
            ones, by a published file only; the old one is moved aside.
            Defaults to False.

    Returns:
        dict[str, str]: For each file, a status starting with ``'kept'``,
        ``'downloaded'``, ``'copied'`` or ``'failed'``, followed by the
        details (not verified, where a replaced file went, why it failed).

    Raises:
        NotADirectoryError, FileNotFoundError: ``data_root`` is a file, or
            ``from_dir`` is not a folder.
    """
    subdir, base_urls, _, _ = tables(dataset)
    folder = os.path.join(data_root, subdir)
    _check_folder(data_root, 'data root', must_exist=False)
    _check_folder(folder, 'data folder', must_exist=False)
    if from_dir is not None:
        _check_folder(from_dir, '--from', must_exist=True)
    created = _missing_folders(folder)
    os.makedirs(folder, exist_ok=True)
    results = {}
    for name in base_urls:
        try:
            results[name] = _prepare_one(folder, name, dataset, mirrors
                                         or base_urls[name], from_dir,
                                         timeout, force)
        except ValueError as err:  # e.g. a folder where a file should be
            results[name] = f'failed: {err}'
        # debug only: tools/prepare_data.py prints the statuses once
        print_log(f'{name}: {results[name]}', logger='current',
                  level=logging.DEBUG)
    for path in created:  # deepest first; only the empty ones
        if not os.listdir(path):
            os.rmdir(path)
    return results


def _missing_folders(folder: str) -> List[str]:
    """The folders ``os.makedirs(folder)`` would create, deepest first."""
    missing = []
    path = os.path.abspath(folder)
    while not os.path.exists(path):
        missing.append(path)
        path = os.path.dirname(path)
    return missing


def _prepare_one(folder: str, name: str, dataset: str,
                 bases: Sequence[str], from_dir: Optional[str],
                 timeout: float, force: bool) -> str:
    existing = _find_local(folder, name)
    old_check = None
    if existing is not None:
        old_check = check_file(existing, name, dataset)
        if old_check.status == PUBLISHED:
            return 'kept'
        if old_check.status != INVALID and not force:
            note = ('NOT verified' if old_check.usable else
                    'differs from the published file')
            return (f'kept: {existing} is valid but {note} '
                    f'({old_check.reason}); --force replaces it by the '
                    'published file and moves it aside')
    need_published = old_check is not None and old_check.status != INVALID
    if from_dir is not None:
        status = _copy_local(from_dir, folder, name, dataset, existing,
                             need_published)
    else:
        status = _download_any(bases, folder, name, timeout, dataset,
                               existing, need_published)
    if status.startswith('failed') and existing is not None:
        why = ('invalid: ' + old_check.reason if old_check.status == INVALID
               else old_check.reason)
        status += f'; {existing} is left as it was ({why})'
    return status


def _describe(verb: str, check: FileCheck, existing: Optional[str],
              backup: Optional[str]) -> str:
    status = verb
    if check.status != PUBLISHED:
        status += f' (NOT verified: {check.reason})'
    if backup is not None:
        status += f'; the old file {existing} was moved to {backup}'
    return status


def _copy_local(from_dir: str, folder: str, name: str, dataset: str,
                existing: Optional[str], need_published: bool) -> str:
    src = _find_local(from_dir, name)
    if src is None:
        return f'failed: not found in {from_dir}'
    dst = os.path.join(folder, os.path.basename(src))
    try:
        check, backup = _install(lambda tmp: shutil.copyfile(src, tmp), dst,
                                 name, dataset, src, existing,
                                 need_published)
    except (OSError, ValueError) as err:
        return f'failed: {err}'
    return _describe('copied', check, existing, backup)


def _download_any(bases: Sequence[str], folder: str, name: str,
                  timeout: float, dataset: str, existing: Optional[str],
                  need_published: bool) -> str:
    errors: List[str] = []
    for base in bases:
        url = base.rstrip('/') + '/' + name
        try:
            check, backup = _install(_fetch_url(url, timeout),
                                     os.path.join(folder, name), name,
                                     dataset, url, existing, need_published)
            return _describe('downloaded', check, existing, backup)
        except (OSError, ValueError, http.client.HTTPException) as err:
            # reported once, in the file's status
            errors.append(f'{url}: {err}')
    return 'failed: ' + '; '.join(errors)

"""The plugin's one way to read a checkpoint: ``weights_only=True``, clear
errors, finite weights.

:func:`load_checkpoint_safely` is what tools/test.py, tools/predict.py,
tools/convert_checkpoint.py, the benchmark and :class:`~predrnn.engine.
CheckpointCheckHook` (``load_from`` and resume) use. Nothing of mmengine is
replaced: its ``Runner`` still loads the file itself afterwards (with
torch's default ``weights_only=True`` and the types of
:mod:`.checkpoint_allowlist`), and the plugin reads it first to refuse, with
a message that says what is wrong and what to give instead:

* a missing path, a directory (naming the ``.pth`` files inside), an empty
  file or a file of another kind (text, an image...): "not a PyTorch
  checkpoint", with what is expected;
* a truncated or damaged file (:class:`CorruptCheckpointError`);
* a file that names types or calls outside the allow-list, possibly code
  (:class:`UnsafeCheckpointError`). Decided statically before loading
  (:mod:`.checkpoint_scan` and torch's public
  ``get_unsafe_globals_in_checkpoint``), never by reading the text of
  torch's messages, and so also when ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``
  would make mmengine's own ``torch.load`` run a pickle's code;
* tensors with NaN or Inf (:mod:`.finite_weights`).

Files are PyTorch's zip archives; the legacy format of PyTorch < 1.6 is read
as well. ``http(s)://`` and ``file://`` URLs are downloaded into torch.hub's
cache (where mmengine's ``load_url`` finds the same file) and checked there.
"""
import io
import os
import os.path as osp
import pickle
import zipfile
from typing import Any, Callable, List, Optional, Set, Union
from urllib.parse import urlparse

import torch

from .checkpoint_allowlist import register_safe_globals
from .checkpoint_errors import (CheckpointError, CorruptCheckpointError,
                                NonFiniteCheckpointError, NotACheckpointError,
                                UnsafeCheckpointError, checkpoints_in)
from .checkpoint_scan import PickleScan, first_pickle_value, scan_pickle
from .finite_weights import check_finite_weights

__all__ = [
    'CheckpointError', 'UnsafeCheckpointError', 'CorruptCheckpointError',
    'NotACheckpointError', 'NonFiniteCheckpointError', 'inspect_checkpoint',
    'load_checkpoint_safely'
]

PathLike = Union[str, os.PathLike]
_URL_SCHEMES = ('http://', 'https://', 'file://')
# torch.save's legacy (non-zip) files start with this number, pickled
_LEGACY_MAGIC = 0x1950a86a20f9469cfc6c
_EXPECTED = ('Expected a checkpoint written by torch.save: iter_N.pth or '
             'best_*.pth in a training work dir, or the output of '
             'tools/convert_checkpoint.py.')


def _describe_head(path: str, head: bytes) -> str:
    """What a non-checkpoint file looks like, with a hint for text."""
    try:
        text = head.decode('utf-8')
    except UnicodeDecodeError:
        return f'it starts with the bytes {head[:16]!r}'
    first_line = text.strip().splitlines()[0] if text.strip() else ''
    hint = ''
    candidate = first_line.strip()
    if candidate and osp.isfile(osp.join(osp.dirname(path), candidate)
                                if not osp.isabs(candidate) else candidate):
        hint = f' It names a file: did you mean {candidate!r}?'
    return f'it is a text file starting with {first_line[:60]!r}.{hint}'


def _directory_error(path: str) -> NotACheckpointError:
    found = checkpoints_in(path)
    if found:
        names = ', '.join(osp.basename(p) for p in found)
        what = (f'It contains {names}; give one of them, e.g. '
                f'{osp.join(path, osp.basename(found[-1]))!r}.')
    else:
        what = 'It contains no .pth file.'
    return NotACheckpointError(
        f'Checkpoint {path!r} is a directory, not a checkpoint file. {what}')


def _file_kind(path: str) -> str:
    """``'zip'`` or ``'legacy'``; raises for anything else."""
    if osp.isdir(path):
        raise _directory_error(path)
    if not osp.exists(path):
        raise FileNotFoundError(f'Checkpoint {path!r} does not exist. '
                                f'{_EXPECTED}')
    with open(path, 'rb') as f:
        head = f.read(256)
    if not head:
        raise NotACheckpointError(
            f'Checkpoint {path!r} is empty (0 bytes), not a PyTorch '
            'checkpoint; it was probably being written when the program '
            f'stopped. {_EXPECTED}')
    if zipfile.is_zipfile(path):
        return 'zip'
    if head.startswith(b'PK\x03\x04'):
        raise CorruptCheckpointError(
            f'Could not read checkpoint {path!r}: it starts like a PyTorch '
            'checkpoint (a zip archive) but is truncated or corrupt (no '
            'zip directory at its end). If it was being written when '
            'training stopped, use the previous checkpoint.')
    with open(path, 'rb') as f:
        ok, value = first_pickle_value(f)
    if ok and value == _LEGACY_MAGIC:
        return 'legacy'
    raise NotACheckpointError(
        f'{path!r} is not a PyTorch checkpoint: '
        f'{_describe_head(path, head)} A checkpoint is the zip archive that '
        f'torch.save writes (it starts with b"PK"). {_EXPECTED}')


def _scan(path: str, kind: str) -> PickleScan:
    """Dry-run the pickle that holds the checkpoint's structure."""
    if kind == 'zip':
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist()
                     if n.count('/') == 1 and n.endswith('/data.pkl')]
            if not names:
                raise NotACheckpointError(
                    f'{path!r} is a zip archive but not a PyTorch checkpoint '
                    f'(no data.pkl inside). {_EXPECTED}')
            data = archive.read(names[0])
        scan = scan_pickle(io.BytesIO(data))
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    else:
        with open(path, 'rb') as f:
            for _ in range(3):  # magic number, protocol, system info
                scan_pickle(f)
            scan = scan_pickle(f)
        # torch's own types are left to torch.load, which still refuses
        unsafe = [g for g in scan.globals if g not in _user_allowed()
                  and not g.startswith(('torch.', 'collections.'))]
    scan.problems[:0] = [f'it names {g}' for g in sorted(unsafe)]
    return scan


def _user_allowed() -> Set[str]:
    """Names on torch's user allow-list (``(obj, name)`` entries by name)."""
    return {entry[1] if isinstance(entry, tuple) else
            f'{entry.__module__}.{entry.__qualname__}'
            for entry in torch.serialization.get_safe_globals()}


def _refusal(path: str, problems: List[str]) -> UnsafeCheckpointError:
    return UnsafeCheckpointError(
        f'Refused to load checkpoint {path!r} for safety: '
        f'{"; ".join(dict.fromkeys(problems))}. These are outside the '
        'allow-list of what mmengine/PyTorch checkpoints hold (tensors, '
        'containers, mmengine HistoryBuffer, numpy arrays and scalars), '
        'possibly code that would '
        'run when the file is loaded. Nothing in the file was executed. If '
        'you made this file yourself and trust every type named, allow-list '
        'them with torch.serialization.add_safe_globals() before loading; '
        'never load files from untrusted sources with weights_only=False.')


def _local_copy(url: str) -> str:
    """Download ``url`` into torch.hub's cache, as mmengine's ``load_url``
    does (same file name), unless it is there."""
    folder = osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(folder, exist_ok=True)
    cached = osp.join(folder, osp.basename(urlparse(url).path))
    if not osp.exists(cached):
        torch.hub.download_url_to_file(url, cached, progress=False)
    return cached


def inspect_checkpoint(path: PathLike) -> str:
    """Check, without loading it, that ``path`` is a checkpoint the plugin
    may load.

    Args:
        path (str or os.PathLike): A local file (``~`` expanded).

    Returns:
        str: The file's format, ``'zip'`` or ``'legacy'``.

    Raises:
        FileNotFoundError: If nothing is at ``path``.
        NotACheckpointError: For a directory or a file of another kind.
        CorruptCheckpointError: For a truncated or damaged file.
        UnsafeCheckpointError: For a file that names types or calls outside
            the allow-list (its code is not run).
    """
    path = osp.expanduser(os.fspath(path))
    register_safe_globals()  # the scan compares against the allow-list
    kind = _file_kind(path)
    try:
        scan = _scan(path, kind)
    except CheckpointError:
        raise
    except Exception as error:  # noqa: BLE001 - any parse failure
        raise _corrupt(path, error) from None
    if scan.problems:
        raise _refusal(path, scan.problems)
    return kind


def _corrupt(path: str, error: BaseException) -> CorruptCheckpointError:
    reason = ' '.join(str(error).split())[:200]
    return CorruptCheckpointError(
        f'Could not read checkpoint {path!r}: the file is truncated or '
        f'corrupt ({type(error).__name__}: {reason}). If it was being '
        'written when training stopped, use the previous checkpoint.')


def load_checkpoint_safely(
    path: PathLike,
    map_location: Optional[Union[str, torch.device, Callable, dict]] = 'cpu',
    check_finite: bool = True,
) -> Any:
    """Load a checkpoint with ``weights_only=True`` after checking it.

    Args:
        path (str or os.PathLike): Local file (``~`` expanded) or
            ``http(s)://`` / ``file://`` URL.
        map_location (str, torch.device, callable or dict, optional): Same
            as :func:`torch.load`. Defaults to ``'cpu'``.
        check_finite (bool): Refuse tensors with NaN or Inf. Defaults to
            True.

    Returns:
        Any: The loaded object, a ``dict`` for mmengine checkpoints.

    Raises:
        FileNotFoundError: If nothing is at ``path``.
        CheckpointError: :class:`NotACheckpointError`,
            :class:`CorruptCheckpointError`, :class:`UnsafeCheckpointError`
            or :class:`NonFiniteCheckpointError`, each saying what to do.
    """
    path = os.fspath(path)
    if path.startswith(_URL_SCHEMES):
        path = _local_copy(path)
    path = osp.expanduser(path)
    inspect_checkpoint(path)
    try:
        checkpoint = torch.load(
            path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        # the dry run accepted the structure: a refusal it did not foresee
        # (e.g. a legacy file naming a type torch does not allow)
        raise _refusal(path, [' '.join(str(error).split())[:300]]) from None
    except PermissionError:
        raise
    except Exception as error:  # noqa: BLE001 - damaged records/storages
        raise _corrupt(path, error) from None
    if check_finite:
        check_finite_weights(checkpoint, path)
    return checkpoint

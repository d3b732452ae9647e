"""Load mmengine checkpoints with ``torch.load(weights_only=True)``.

Since PyTorch 2.6 ``torch.load`` refuses to unpickle anything but tensors and
plain containers unless told otherwise, and checkpoints written by mmengine's
``Runner`` hold a few more types: the message hub's
:class:`~mmengine.logging.HistoryBuffer` (with numpy arrays, dtypes and
scalars inside) and, for ``OneCycleLR``, a reference to the scheduler's
annealing function. Instead of ``weights_only=False`` (which runs whatever
code a crafted file names) we allow-list exactly those types:

==========================================================  ==================
Global in the pickle                                        Why it is there
==========================================================  ==================
``mmengine.logging.history_buffer.HistoryBuffer``           message hub scalars
``numpy._core.multiarray._reconstruct`` (and numpy 1.x's    arrays inside a
``numpy.core.multiarray._reconstruct``), ``numpy.ndarray``  ``HistoryBuffer``
``numpy.dtype`` and its numeric/bool instance classes       array and scalar
(``numpy.dtypes.Float64DType`` ...)                         dtypes
``numpy._core.multiarray.scalar`` (and numpy 1.x's name)    ``np.float64``
                                                            values (``eta``,
                                                            metrics)
``mmengine.optim.scheduler.param_scheduler.                 ``OneCycleLR``'s
OneCycleParamScheduler``                                    ``anneal_func``
``builtins.getattr``: mapped to :func:`_restricted_getattr`  pickled methods
                                                            (see below)
==========================================================  ==================

``builtins.getattr`` is never allowed as such (``getattr`` on allow-listed
objects reaches ``__globals__`` and from there any module). Python pickles a
function whose qualified name is dotted (``HistoryBuffer.mean``,
``OneCycleParamScheduler._annealing_cos``) as ``getattr(cls, name)``; we map
that global to :func:`_restricted_getattr`, which resolves only the listed
``(class, attribute)`` pairs and refuses everything else.

Every path of the ``Runner`` that reads a checkpoint (``load_from``,
``resume``, ``tools/test.py`` and ``init_cfg=dict(type='Pretrained')``) goes
through :class:`mmengine.runner.CheckpointLoader`. :func:`install_safe_loaders`
re-registers its local-file scheme (through mmengine's public
``register_scheme(..., force=True)``) with :func:`load_checkpoint_safely`, and
wraps the other schemes so that a refused file gets the same clear error. For
URLs mmengine calls ``torch.hub.load_state_dict_from_url``, whose
``weights_only`` defaults to ``False``; we therefore also replace the module
attribute ``mmengine.runner.checkpoint.load_url`` with a version that passes
``weights_only=True`` (the only monkeypatch here; it covers ``http(s)://``,
``torchvision://``, ``open-mmlab://`` and ``mmcls://``). Both are installed
once when ``predrnn.engine`` is imported.

Requires ``torch>=2.6`` (``add_safe_globals`` with ``(callable, name)``
pairs).
"""
import contextlib
import functools
import os
import os.path as osp
import pickle
import re
import warnings
import zipfile
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

try:  # numpy >= 2.0
    from numpy._core import multiarray as _np_multiarray
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core import multiarray as _np_multiarray

__all__ = [
    'UnsafeCheckpointError', 'CorruptCheckpointError', 'SAFE_ATTRIBUTES',
    'safe_globals_list', 'register_safe_globals', 'load_checkpoint_safely',
    'install_safe_loaders'
]

PathLike = Union[str, os.PathLike]

#: The only ``(class, attribute)`` pairs a checkpoint may ``getattr``.
SAFE_ATTRIBUTES: Dict[type, Tuple[str, ...]] = {
    HistoryBuffer: ('min', 'max', 'current', 'mean'),
    OneCycleParamScheduler: ('_annealing_cos', '_annealing_linear'),
}

# dtype characters of the numeric and boolean numpy dtypes: bool, signed and
# unsigned integers, floats, complex. Object, string, void and datetime
# dtypes are deliberately left out.
_NUMPY_DTYPE_CHARS = '?bhilqBHILQefdgFDG'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint names types outside the allow-list and was refused."""


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file is truncated, corrupt or not a checkpoint."""


def _restricted_getattr(obj: Any, name: Any) -> Any:
    """Stand-in for ``builtins.getattr`` while unpickling a checkpoint.

    Args:
        obj (Any): The object the pickle asks an attribute of.
        name (Any): The attribute name.

    Returns:
        Any: ``getattr(obj, name)`` for the pairs in :data:`SAFE_ATTRIBUTES`.

    Raises:
        pickle.UnpicklingError: For any other pair.
    """
    if isinstance(obj, type) and isinstance(name, str):
        for cls, names in SAFE_ATTRIBUTES.items():
            if obj is cls and name in names:
                return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'Unsupported global: getattr({obj!r}, {name!r}) is not on the '
        'allow-list of attributes a checkpoint may reference.')


def safe_globals_list() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The allow-list, in the form ``torch.serialization`` takes.

    Returns:
        list: Classes/functions and ``(object, 'module.qualname')`` pairs.
    """
    dtype_classes = sorted({type(np.dtype(c))
                            for c in _NUMPY_DTYPE_CHARS},
                           key=lambda t: t.__qualname__)
    entries: List[Union[Callable, Tuple[Callable, str]]] = [
        HistoryBuffer,
        OneCycleParamScheduler,
        np.ndarray,
        np.dtype,
        *dtype_classes,
        (_restricted_getattr, 'builtins.getattr'),
    ]
    # Both spellings, so files written under numpy 1.x and 2.x both load.
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        entries.append((_np_multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((_np_multiarray.scalar, f'{module}.scalar'))
    return entries


def register_safe_globals() -> None:
    """Allow-list the types of mmengine checkpoints for ``weights_only``.

    Idempotent; called once when ``predrnn.engine`` is imported. Afterwards a
    plain ``torch.load(path, weights_only=True)`` loads any checkpoint written
    by mmengine's ``Runner`` in this process.
    """
    if not hasattr(torch.serialization, 'add_safe_globals'):
        warnings.warn('predrnn: torch<2.6 cannot allow-list the types of '
                      'mmengine checkpoints; loading them will be refused.')
        return
    torch.serialization.add_safe_globals(safe_globals_list())


@contextlib.contextmanager
def _keep_history_buffer_methods() -> Iterator[None]:
    """Undo what an unpickled ``HistoryBuffer`` does to its class.

    ``HistoryBuffer.__setstate__`` merges the pickled ``statistics_methods``
    into the class-level registry that every buffer shares, so a crafted file
    could replace ``mean`` by another allow-listed callable. The registry is
    restored (plus the four defaults) once loading is over.
    """
    saved = dict(HistoryBuffer._statistics_methods)
    try:
        yield
    finally:
        HistoryBuffer._statistics_methods.clear()
        HistoryBuffer._statistics_methods.update(saved)
        HistoryBuffer()  # __init__ sets the default statistics methods.


def _is_allow_list_refusal(message: str) -> bool:
    """Whether torch's weights-only unpickler refused a type or call."""
    markers = ('GLOBAL', 'allowlist', 'add_safe_globals', 'is blocked',
               'unrecognized function', 'Can only', 'getattr(')
    return any(marker in message for marker in markers)


def _unsafe_globals(path: str) -> List[str]:
    """Statically list the non-allow-listed globals of a zip checkpoint.

    Nothing is unpickled: the pickle's opcodes are only read.
    """
    try:
        return sorted(
            torch.serialization.get_unsafe_globals_in_checkpoint(path))
    except Exception:  # legacy format or unreadable: no list, no harm
        return []


def _short_reason(message: str) -> str:
    """The unpickler's own reason, without torch's generic advice."""
    reason = message.split('WeightsUnpickler error:')[-1]
    reason = reason.split('Check the documentation')[0].split('Please use')[0]
    return re.sub(r'\s+', ' ', reason).strip()


def _refusal(path: str, reason: str) -> UnsafeCheckpointError:
    """Build the error for a file the allow-list refused."""
    found = _unsafe_globals(path)
    named = f' It names: {", ".join(found)}.' if found else ''
    return UnsafeCheckpointError(
        f'Refused to load checkpoint {path!r} for safety: it contains types '
        'or calls outside the allow-list of what mmengine/PyTorch checkpoints '
        'hold (tensors, containers, mmengine HistoryBuffer, numpy arrays and '
        'scalars), possibly code that would run when the file is loaded.'
        f'{named} Reason: {_short_reason(reason)} Nothing in the file was '
        'executed. If you made this file yourself and trust every type '
        'listed, allow-list them with torch.serialization.add_safe_globals() '
        'before loading; never load files from untrusted sources with '
        'weights_only=False.')


def _corrupt(path: str, error: BaseException) -> CorruptCheckpointError:
    """Build the error for a truncated or corrupt file."""
    return CorruptCheckpointError(
        f'Could not read checkpoint {path!r}: the file is truncated, corrupt '
        f'or not a PyTorch checkpoint ({type(error).__name__}: '
        f'{_short_reason(str(error))}). If it was being written when '
        'training stopped, use the previous checkpoint.')


def load_checkpoint_safely(
    path: PathLike,
    map_location: Optional[Union[str, torch.device, Callable, dict]] = 'cpu'
) -> Any:
    """Load a checkpoint with ``weights_only=True`` and the allow-list.

    Args:
        path (str or os.PathLike): Local checkpoint file (``~`` expanded).
        map_location (str, torch.device, callable or dict, optional): Same
            as :func:`torch.load`. Defaults to ``'cpu'``.

    Returns:
        Any: The loaded object, a ``dict`` for mmengine checkpoints.

    Raises:
        FileNotFoundError: If ``path`` is not a file.
        UnsafeCheckpointError: If the file names types outside the
            allow-list (its code is not run).
        CorruptCheckpointError: If the file is truncated or not a
            checkpoint.
    """
    path = osp.expanduser(os.fspath(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} can not be found.')
    register_safe_globals()
    try:
        with _keep_history_buffer_methods():
            return torch.load(
                path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if _is_allow_list_refusal(str(error)):
            raise _refusal(path, str(error)) from None
        raise _corrupt(path, error) from None
    except (PermissionError, IsADirectoryError):
        raise
    except (EOFError, OSError, zipfile.BadZipFile, ValueError,
            KeyError) as error:
        raise _corrupt(path, error) from None
    except RuntimeError as error:
        message = str(error)
        if ('PytorchStreamReader' in message or 'zip archive' in message
                or 'storage' in message.lower()):
            raise _corrupt(path, error) from None
        raise


def _load_from_local(filename: str, map_location: Any = None) -> Any:
    """``CheckpointLoader`` scheme for local files (prefix ``''``)."""
    return load_checkpoint_safely(filename, map_location=map_location)


# Keep the name mmengine prints ("Loads checkpoint by local backend").
_load_from_local.__name__ = 'load_from_local'
_load_from_local._predrnn_safe = True  # type: ignore[attr-defined]


def _wrap_loader(loader: Callable) -> Callable:
    """Give a remote scheme's refusals the same clear error."""

    @functools.wraps(loader)
    def wrapped(filename: str, map_location: Any = None) -> Any:
        try:
            with _keep_history_buffer_methods():
                return loader(filename, map_location)
        except UnsafeCheckpointError:
            raise
        except pickle.UnpicklingError as error:
            raise _refusal(filename, str(error)) from None

    wrapped._predrnn_safe = True  # type: ignore[attr-defined]
    return wrapped


def _load_url_weights_only(url: str, *args: Any, **kwargs: Any) -> Any:
    """``torch.hub.load_state_dict_from_url`` with ``weights_only=True``."""
    register_safe_globals()
    kwargs['weights_only'] = True
    return torch.hub.load_state_dict_from_url(url, *args, **kwargs)


def install_safe_loaders() -> None:
    """Make every ``CheckpointLoader`` scheme load with the allow-list.

    Idempotent; called once when ``predrnn.engine`` is imported.
    """
    register_safe_globals()
    mmengine_checkpoint.load_url = _load_url_weights_only
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if getattr(loader, '_predrnn_safe', False):
            continue
        new_loader = _load_from_local if prefix == '' else _wrap_loader(
            loader)
        CheckpointLoader.register_scheme(prefix, new_loader, force=True)

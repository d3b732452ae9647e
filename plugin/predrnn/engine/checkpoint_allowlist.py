"""The types mmengine writes into checkpoints, allow-listed for
``torch.load(weights_only=True)``.

Since PyTorch 2.6 ``torch.load`` unpickles only tensors, plain containers
and allow-listed types unless told ``weights_only=False`` (which runs any
code a crafted file names). A checkpoint of mmengine's ``Runner`` holds a
few more types; found by listing the globals of checkpoints written with
validation, ``save_best``, numpy metrics and every parameter scheduler:

=========================================================  ===================
Global in the pickle                                       Why it is there
=========================================================  ===================
``mmengine.logging.history_buffer.HistoryBuffer``          message hub scalars
``numpy._core.multiarray._reconstruct``, ``numpy.ndarray`` arrays inside a
                                                           ``HistoryBuffer``
``numpy.dtype``                                            array and scalar
                                                           dtypes
numeric/bool dtype classes (``numpy.dtypes.Float64DType``  never named, but
...)                                                       torch's ``BUILD``
                                                           needs them listed
``numpy._core.multiarray.scalar``                          ``np.float64``
                                                           values (``eta``,
                                                           best score)
``mmengine.optim.scheduler.param_scheduler.                ``OneCycleLR``'s
OneCycleParamScheduler``                                   ``anneal_func``
``builtins.getattr``: mapped to :func:`restricted_getattr` pickled methods
=========================================================  ===================

numpy 1.x spells the numpy module ``numpy.core``; both spellings are listed
so files written under either load. ``collections.OrderedDict`` (state
dicts) and torch's own types are allow-listed by torch already. Not needed:
``ConfigDict`` (the Runner stores its config as text, ``meta['cfg']``),
object/string numpy dtypes (never written; left out on purpose).

Python pickles a function whose qualified name is dotted
(``HistoryBuffer.mean``, ``OneCycleParamScheduler._annealing_cos``) as
``getattr(cls, name)``. ``builtins.getattr`` itself is never allowed (it
reaches ``__globals__`` and from there any module): the name maps to
:func:`restricted_getattr`, which resolves only the pairs of
:data:`SAFE_ATTRIBUTES`.

Registering this list is the only thing importing ``predrnn`` does to the
host: mmengine's own ``Runner.resume`` / ``load_checkpoint`` (which call
``torch.load`` with torch's default, ``weights_only=True`` since 2.6) then
read its checkpoints, and nothing else changes.
"""
import pickle
import warnings
from typing import Any, Callable, Dict, List, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler

try:  # numpy >= 2.0
    from numpy._core import multiarray as _np_multiarray
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core import multiarray as _np_multiarray

__all__ = [
    'SAFE_ATTRIBUTES', 'restricted_getattr', 'safe_globals_list',
    'register_safe_globals'
]

#: The only ``(class, attribute)`` pairs a checkpoint may ``getattr``.
SAFE_ATTRIBUTES: Dict[type, Tuple[str, ...]] = {
    HistoryBuffer: ('min', 'max', 'current', 'mean'),
    OneCycleParamScheduler: ('_annealing_cos', '_annealing_linear'),
}

# dtype characters of the numeric and boolean numpy dtypes: bool, signed and
# unsigned integers, floats, complex. Object, string, void and datetime
# dtypes are deliberately left out.
_NUMPY_DTYPE_CHARS = '?bhilqBHILQefdgFDG'


def restricted_getattr(obj: Any, name: Any) -> Any:
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
        if name in SAFE_ATTRIBUTES.get(obj, ()):
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
        (restricted_getattr, 'builtins.getattr'),
    ]
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        entries.append((_np_multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((_np_multiarray.scalar, f'{module}.scalar'))
    return entries


def register_safe_globals() -> None:
    """Allow-list the types of mmengine checkpoints for ``weights_only``.

    Idempotent (torch keeps a set); called when ``predrnn`` is imported.
    """
    if not hasattr(torch.serialization, 'add_safe_globals'):
        warnings.warn('predrnn: torch<2.6 cannot allow-list the types of '
                      'mmengine checkpoints; loading them will be refused.')
        return
    torch.serialization.add_safe_globals(safe_globals_list())

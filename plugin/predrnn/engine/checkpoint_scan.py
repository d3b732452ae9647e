"""Read what a checkpoint's pickle would do, without doing it.

``torch.load(weights_only=True)`` refuses globals outside its allow-list,
but two things pass it and still matter:

* ``getattr`` (allow-listed as :func:`~.checkpoint_allowlist.
  restricted_getattr`) is restricted at load time; knowing beforehand lets
  the loader tell a refused file from a corrupt one without reading torch's
  message text;
* mmengine's ``HistoryBuffer.__setstate__`` merges the pickled
  ``statistics_methods`` into the registry every buffer of the process
  shares, so a crafted file could swap ``mean`` for ``max`` (wrong logged
  numbers) or another allow-listed callable. The file is refused before
  loading instead of repairing the class afterwards.

:func:`scan_pickle` unpickles with a ``find_class`` that never returns a
real object: every global becomes an inert stand-in class that records how
it was called, so no code of the file (nor of any library) runs.
"""
import _compat_pickle
import pickle
from dataclasses import dataclass, field
from typing import IO, Any, Dict, List, Tuple

from .checkpoint_allowlist import SAFE_ATTRIBUTES

__all__ = ['PickleScan', 'scan_pickle']

_GETATTR = 'builtins.getattr'
_HISTORY_BUFFER = 'mmengine.logging.history_buffer.HistoryBuffer'
_SAFE_PAIRS = {(f'{cls.__module__}.{cls.__qualname__}', name)
               for cls, names in SAFE_ATTRIBUTES.items() for name in names}


class _Stub:
    """Instance of a stand-in: records constructor arguments and state."""

    qualified_name = ''
    records: List['_Stub'] = []

    def __new__(cls, *args: Any, **kwargs: Any) -> '_Stub':
        obj = object.__new__(cls)
        obj.args, obj.state, obj.called = args, None, False
        cls.records.append(obj)
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        self.state = state

    # containers built by calling a global (``OrderedDict()`` then
    # ``SETITEMS``) receive their items here
    def __setitem__(self, key: Any, value: Any) -> None:
        self.items = getattr(self, 'items', [])
        self.items.append((key, value))

    def append(self, value: Any) -> None:
        self.__setitem__(None, value)

    def extend(self, values: Any) -> None:
        for value in values:
            self.append(value)

    def __call__(self, *args: Any, **kwargs: Any) -> '_Stub':
        # a call of a call's result (e.g. of what getattr returned): torch
        # refuses it, so the scan flags it
        self.called = True
        return self


@dataclass
class PickleScan:
    """What a pickle names and does.

    Attributes:
        globals (set[str]): Every ``module.name`` global it references.
        problems (list[str]): Reasons to refuse the file, empty if none.
    """
    globals: set = field(default_factory=set)
    problems: List[str] = field(default_factory=list)


class _DryRunUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose globals are all inert stand-ins."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file)
        self.stubs: Dict[str, type] = {}
        self.records: List[_Stub] = []

    def find_class(self, module: str, name: str) -> type:
        # protocol 2 writes Python 2 names (``__builtin__.getattr``); map
        # them as pickle's own find_class does
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        qualified = f'{module}.{name}'
        if qualified not in self.stubs:
            self.stubs[qualified] = type(
                'Stub', (_Stub, ),
                dict(qualified_name=qualified, records=self.records))
        return self.stubs[qualified]

    def persistent_load(self, pid: Any) -> None:
        return None  # tensor storages: their bytes are not needed here


def _name(obj: Any) -> str:
    return getattr(obj, 'qualified_name', repr(obj))


def _check_getattr(stub: _Stub) -> List[str]:
    if len(stub.args) == 2 and (_name(stub.args[0]),
                                stub.args[1]) in _SAFE_PAIRS:
        return []
    shown = ', '.join(_name(a) if isinstance(a, type) else repr(a)
                      for a in stub.args)
    return [f'getattr({shown}) is not an attribute a checkpoint may '
            'reference']


def _is_own_statistic(key: Any, value: Any) -> bool:
    """Whether ``value`` is ``getattr(HistoryBuffer, key)``."""
    return (isinstance(value, _Stub)
            and type(value).qualified_name == _GETATTR
            and len(value.args) == 2
            and _name(value.args[0]) == _HISTORY_BUFFER
            and value.args[1] == key)


def _check_history_buffer(stub: _Stub) -> List[str]:
    state = stub.state if isinstance(stub.state, dict) else {}
    methods = state.get('statistics_methods', {})
    if not isinstance(methods, dict):
        return ['its HistoryBuffer state has statistics_methods that are not '
                'a dict']
    return [
        f'its HistoryBuffer state would replace the statistic {key!r} that '
        'every HistoryBuffer of the process shares'
        for key, value in methods.items() if not _is_own_statistic(key, value)
    ]


def scan_pickle(file: IO[bytes]) -> PickleScan:
    """Dry-run one pickle from ``file``.

    Args:
        file (IO[bytes]): Positioned at the start of the pickle.

    Returns:
        PickleScan: The globals it names and the reasons to refuse it.

    Raises:
        Exception: Whatever ``pickle`` raises for a malformed pickle.
    """
    unpickler = _DryRunUnpickler(file)
    unpickler.load()
    scan = PickleScan(globals=set(unpickler.stubs))
    for stub in unpickler.records:
        kind = type(stub).qualified_name
        if stub.called:
            scan.problems.append(f'it calls the result of {kind}(...)')
        if kind == _GETATTR:
            scan.problems.extend(_check_getattr(stub))
        elif kind == _HISTORY_BUFFER:
            scan.problems.extend(_check_history_buffer(stub))
    return scan


def first_pickle_value(file: IO[bytes]) -> Tuple[bool, Any]:
    """Dry-run the first pickle of ``file``: ``(ok, value)``."""
    try:
        return True, _DryRunUnpickler(file).load()
    except Exception:  # noqa: BLE001 - not a pickle at all
        return False, None

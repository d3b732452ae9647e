"""Refuse checkpoints whose tensors hold NaN or Inf.

Bit rot inside a valid archive, or a run saved after it diverged, gives
weights that load without error and evaluate to a table of NaN. Every path
of the plugin that reads weights (tools/test.py, ``load_from``, resume,
tools/convert_checkpoint.py, tools/predict.py) calls
:func:`check_finite_weights` through
:func:`~predrnn.engine.load_checkpoint_safely`.

Decision: every floating-point tensor of the file is checked, model weights
and optimizer state alike (an Adam moment with Inf poisons a resumed run as
surely as a bad weight), and resuming is refused too, suggesting the
checkpoints saved before it.
"""
import os.path as osp
from typing import Any, List, Tuple

import torch

from .checkpoint_errors import NonFiniteCheckpointError, checkpoints_in

__all__ = ['LAST_FINITE_CHECKPOINT', 'nonfinite_tensors',
           'check_finite_weights']

#: Message-hub key of the last checkpoint saved after its weights were
#: checked finite (set by ``FiniteBestCheckpointHook``).
LAST_FINITE_CHECKPOINT = 'last_finite_checkpoint'

_SHOWN = 10


def nonfinite_tensors(obj: Any,
                      prefix: str = '') -> List[Tuple[str, int, int]]:
    """Find the floating-point tensors with NaN or Inf in nested containers.

    Args:
        obj (Any): A checkpoint (dicts, lists, tuples of tensors...).
        prefix (str): Name of ``obj``; keys are joined with ``'.'``.

    Returns:
        list[tuple[str, int, int]]: ``(name, number of NaN, number of Inf)``
        of each bad tensor, e.g. ``('state_dict.net.conv_last.weight', 3,
        0)``.
    """
    if isinstance(obj, torch.Tensor):
        if not (obj.is_floating_point() or obj.is_complex()):
            return []
        nan = int(torch.isnan(obj).sum())
        inf = int(torch.isinf(obj).sum())
        return [(prefix, nan, inf)] if nan or inf else []
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return []
    bad = []
    for key, value in items:
        name = f'{prefix}.{key}' if prefix else str(key)
        bad.extend(nonfinite_tensors(value, name))
    return bad


def _is_checkpoint(path: str) -> bool:
    """Whether ``path`` is a file the plugin would load (its structure is
    read, not its tensors: directories, empty, damaged or unsafe files are
    not suggested)."""
    from .safe_checkpoint import inspect_checkpoint
    try:
        inspect_checkpoint(path)
    except Exception:  # noqa: BLE001 - any refusal
        return False
    return True


def check_finite_weights(checkpoint: Any, path: str) -> None:
    """Raise if any tensor of ``checkpoint`` (loaded from ``path``) has NaN
    or Inf values.

    Args:
        checkpoint (Any): The loaded checkpoint.
        path (str): Where it was read from (named in the message; its folder
            is searched for other checkpoints to suggest).

    Raises:
        NonFiniteCheckpointError: Naming the bad tensors.
    """
    bad = nonfinite_tensors(checkpoint)
    if not bad:
        return
    names = ', '.join(f'{name} ({nan} NaN, {inf} Inf)'
                      for name, nan, inf in bad[:_SHOWN])
    if len(bad) > _SHOWN:
        names += f' and {len(bad) - _SHOWN} more'
    others = [p for p in checkpoints_in(osp.dirname(osp.abspath(path)))
              if osp.abspath(p) != osp.abspath(path) and _is_checkpoint(p)]
    hint = (' Checkpoints beside it: ' + ', '.join(
        osp.basename(p) for p in others) + '.') if others else ''
    raise NonFiniteCheckpointError(
        f'Refused checkpoint {path!r}: {len(bad)} tensor(s) hold NaN or Inf '
        f'values: {names}. The file is damaged or was saved after training '
        'diverged; evaluating or resuming it would only give NaN. Use an '
        f'earlier checkpoint (to resume: --resume PATH).{hint}')

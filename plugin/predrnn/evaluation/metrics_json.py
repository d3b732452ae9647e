"""Write evaluation results, per-timestep curves included, as strict JSON.

Python's ``json`` writes NaN and infinities as the tokens ``NaN`` and
``Infinity``, which are not JSON: ``jq``, JavaScript and most JSON readers
refuse the whole file. Here every non-finite number is written as ``null``
(decision: a metric that has no finite value has no value; the log says
which ones). Arrays and numpy scalars are written by ``mmengine.dump``; the
file is replaced atomically, so a reader never sees half of it.
"""
import math
from typing import Any, Mapping

import mmengine
import numpy as np
import torch

from predrnn.utils import atomic_write

__all__ = ['finite_or_none', 'dump_metrics_json']


def finite_or_none(value: Any) -> Any:
    """Replace NaN and infinities by ``None``, in nested metric values.

    Tensors become numpy arrays; arrays holding a non-finite value become
    lists; everything else is left for ``mmengine.dump`` (which writes numpy
    arrays and scalars).

    Args:
        value (Any): A metric value: a number, a list, a dict, a numpy array
            or scalar, or a tensor.

    Returns:
        Any: The same value with every non-finite float replaced by None.
    """
    if isinstance(value, Mapping):
        return {str(k): finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind in 'fc' and not np.isfinite(value).all():
            return finite_or_none(value.tolist())
        return value
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        return None
    return value


def dump_metrics_json(metrics: Mapping[str, Any], out_file: str) -> str:
    """Dump a metrics dict (scalars and per-step curves) to a JSON file.

    Non-finite numbers are written as ``null`` (see the module docstring);
    parent folders are created.

    Args:
        metrics (Mapping[str, Any]): E.g. the dict returned by
            ``runner.test()`` with :class:`VideoPredictionMetric`.
        out_file (str): Path of the JSON file.

    Returns:
        str: ``out_file``.
    """
    with atomic_write(out_file) as tmp:
        mmengine.dump(finite_or_none(metrics), tmp, file_format='json',
                      indent=2, allow_nan=False)
    return out_file

"""Write evaluation results, per-timestep curves included, as JSON."""
import json
import os
import os.path as osp
from typing import Any, Mapping

import numpy as np
import torch


def to_json_compatible(value: Any) -> Any:
    """Turn arrays, tensors and numpy scalars into plain Python values.

    Args:
        value (Any): A metric value: a number, a list, a dict, a numpy array
            or scalar, or a tensor.

    Returns:
        Any: The same value made of dicts, lists, floats, ints, strings,
        booleans and None only.
    """
    if isinstance(value, Mapping):
        return {str(k): to_json_compatible(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_compatible(v) for v in value]
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value


def dump_metrics_json(metrics: Mapping[str, Any], out_file: str) -> str:
    """Dump a metrics dict (scalars and per-step curves) to a JSON file.

    Non-finite floats are written as JSON's ``NaN`` / ``Infinity`` tokens
    (Python's ``json`` reads them back).

    Args:
        metrics (Mapping[str, Any]): E.g. the dict returned by
            ``runner.test()`` with :class:`VideoPredictionMetric`.
        out_file (str): Path of the JSON file; parent folders are created.

    Returns:
        str: ``out_file``.
    """
    parent = osp.dirname(osp.abspath(out_file))
    os.makedirs(parent, exist_ok=True)
    with open(out_file, 'w', encoding='utf-8') as f:
        json.dump(to_json_compatible(metrics), f, indent=2)
        f.write('\n')
    return out_file

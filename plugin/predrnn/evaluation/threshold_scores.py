"""Threshold scores of nowcasting: CSI, POD and FAR.

At a threshold ``t`` (in data units) a value is an *event* when it is
``>= t``. Comparing prediction and ground truth value by value (every pixel
and channel of a frame) gives hits (event in both), misses (event only in the
ground truth) and false alarms (event only in the prediction). The scores are
ratios of counts **summed over the whole test set** before dividing
(docs/en/evaluation.md;
averaging per-frame ratios would weight an almost empty frame like a stormy
one):

- CSI = hits / (hits + misses + false alarms)
- POD = hits / (hits + misses)
- FAR = false alarms / (hits + false alarms)

A ratio whose denominator is zero (no event at all at that threshold) is NaN:
undefined, not perfect.
"""
from numbers import Real
from typing import Any, Dict, Tuple

import numpy as np
import torch

from .frame_metrics import as_float64

#: Names of the stored counts, in the order of :func:`threshold_counts`.
COUNT_NAMES = ('hits', 'misses', 'false_alarms')
#: Names of the scores, in the order they are reported.
SCORE_NAMES = ('csi', 'pod', 'far')


def check_thresholds(thresholds: Any) -> Tuple[float, ...]:
    """Validate thresholds: None (none), a number or distinct finite numbers.

    A string is refused (iterating it would give one threshold per digit).

    Returns:
        tuple[float, ...]: The thresholds, in the given order.

    Raises:
        ValueError: On anything else, naming the value and the expected form.
    """
    if thresholds is None:
        return ()
    if isinstance(thresholds, Real):
        thresholds = [thresholds]
    try:
        if isinstance(thresholds, (str, bytes)) or any(
                not isinstance(t, Real) for t in thresholds):
            raise TypeError
        values = tuple(float(t) for t in thresholds)
    except TypeError:
        values = (np.nan, )  # refused below
    if not all(np.isfinite(values)) or len(set(values)) != len(values):
        raise ValueError(
            'thresholds must be distinct finite numbers in data units, e.g. '
            f'thresholds=[20, 30, 40]; got {thresholds!r}')
    return values


def score_key(score: str, threshold: float) -> str:
    """Key of a score at a threshold, e.g. ``'csi_20'``, ``'pod_0.5'``.

    The shortest decimal that reads back as the threshold (``'%g'`` alone
    would give 1234567 and 1234568 the same key, ``1.23457e+06``).
    """
    short = f'{threshold:g}'
    if float(short) != threshold:
        short = np.format_float_positional(threshold, trim='-')
    return f'{score}_{short}'


def threshold_counts(pred: Any, gt: Any, thresholds: Tuple[float, ...]
                     ) -> Dict[str, Any]:
    """Hits, misses and false alarms per threshold and frame.

    Args:
        pred (np.ndarray | torch.Tensor): Predicted frames in data units,
            (T, C, H, W) or a batch (B, T, C, H, W); a tensor is counted on
            its device.
        gt (np.ndarray | torch.Tensor): Ground-truth frames in data units,
            same shape.
        thresholds (tuple[float, ...]): K thresholds in data units.

    Returns:
        dict: ``'hits'``, ``'misses'``, ``'false_alarms'``, each int64 of
        shape (K, T) or (B, K, T), numpy for numpy input: small, so that a
        metric can store them per clip and sum them after gathering every
        rank's clips.
    """
    as_numpy = not isinstance(pred, torch.Tensor)
    pred = as_float64(pred)  # thresholds compared in float64
    gt = as_float64(gt, pred.device)
    counts = {name: [] for name in COUNT_NAMES}
    pixels = (-3, -2, -1)
    for thr in thresholds:
        p, g = pred >= thr, gt >= thr
        hits = torch.count_nonzero(p & g, dim=pixels)
        counts['hits'].append(hits)
        counts['misses'].append(torch.count_nonzero(g, dim=pixels) - hits)
        counts['false_alarms'].append(
            torch.count_nonzero(p, dim=pixels) - hits)
    lead = pred.shape[:-3]  # (T,) or (B, T)
    empty = torch.zeros(lead[:-1] + (0, ) + lead[-1:], dtype=torch.int64,
                        device=pred.device)
    out = {name: (torch.stack(values, dim=-2) if values else empty)
           for name, values in counts.items()}
    if as_numpy:
        out = {name: values.cpu().numpy() for name, values in out.items()}
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` in float64, NaN where ``den`` is zero."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def threshold_scores(hits: np.ndarray, misses: np.ndarray,
                     false_alarms: np.ndarray) -> Dict[str, np.ndarray]:
    """CSI, POD and FAR from summed counts (any matching shapes).

    Returns:
        dict[str, np.ndarray]: ``'csi'``, ``'pod'``, ``'far'``, float64, NaN
        where undefined.
    """
    return dict(
        csi=_ratio(hits, hits + misses + false_alarms),
        pod=_ratio(hits, hits + misses),
        far=_ratio(false_alarms, hits + false_alarms))

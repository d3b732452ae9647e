"""Threshold scores of nowcasting: CSI, POD, FAR, frequency bias, HSS, ETS.

At a threshold ``t`` (in data units) a value is an *event* when it is
``>= t``. Comparing prediction and ground truth value by value (every pixel
and channel of a frame) gives hits ``a`` (event in both), false alarms
``b`` (only in the prediction), misses ``c`` (only in the ground truth) and
correct negatives ``d`` (in neither), ``n = a + b + c + d``. The scores are
ratios of counts **summed over the whole test set** before dividing
(docs/en/evaluation.md;
averaging per-frame ratios would weight an almost empty frame like a stormy
one):

- CSI = a / (a + b + c)
- POD = a / (a + c)
- FAR = b / (a + b)
- frequency bias = (a + b) / (a + c)
- HSS = 2 (a d - b c) / ((a + c)(c + d) + (a + b)(b + d))  (Heidke)
- ETS = (a - a_r) / (a + b + c - a_r), a_r = (a + b)(a + c) / n
  (equitable threat score, Gilbert skill score)

A ratio whose denominator is zero (no event at all at that threshold) is NaN:
undefined, not perfect; the metric reports the number of observed events
(``a + c``) beside the scores.

Pooled scores (``pool=s``): prediction and ground truth are max-pooled over
``s x s`` blocks (stride ``s``, a partial block at the border dropped)
before thresholding, as recent nowcasting papers report CSI at 4 x 4 and
16 x 16: an event forecast a few pixels off still counts as a hit.
"""
from numbers import Real
from typing import Any, Dict, Tuple

import numpy as np
import torch

from .frame_metrics import as_float64

#: Names of the stored counts, in the order of :func:`threshold_counts`.
COUNT_NAMES = ('hits', 'misses', 'false_alarms', 'correct_negatives')
#: Names of the scores, in the order they are reported.
SCORE_NAMES = ('csi', 'pod', 'far', 'bias', 'hss', 'ets')


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


def _max_pool(frames: torch.Tensor, size: int) -> torch.Tensor:
    """Max over ``size x size`` blocks of ``(..., H, W)`` frames."""
    h, w = frames.shape[-2:]
    if size > min(h, w):
        raise ValueError(f'pool size {size} is larger than the frames '
                         f'({h} x {w}); use smaller pool_sizes.')
    flat = frames.reshape((-1, 1, h, w))
    pooled = torch.nn.functional.max_pool2d(flat, size, stride=size)
    return pooled.reshape(frames.shape[:-2] + pooled.shape[-2:])


def threshold_counts(pred: Any, gt: Any, thresholds: Tuple[float, ...],
                     pool: int = 1) -> Dict[str, Any]:
    """Hits, misses, false alarms and correct negatives per threshold and
    frame.

    Args:
        pred (np.ndarray | torch.Tensor): Predicted frames in data units,
            (T, C, H, W) or a batch (B, T, C, H, W); a tensor is counted on
            its device.
        gt (np.ndarray | torch.Tensor): Ground-truth frames in data units,
            same shape.
        thresholds (tuple[float, ...]): K thresholds in data units.
        pool (int): Max-pool both over ``pool x pool`` blocks first.
            Defaults to 1 (values as they are).

    Returns:
        dict: ``'hits'``, ``'misses'``, ``'false_alarms'``,
        ``'correct_negatives'``, each int64 of
        shape (K, T) or (B, K, T), numpy for numpy input: small, so that a
        metric can store them per clip and sum them after gathering every
        rank's clips.
    """
    as_numpy = not isinstance(pred, torch.Tensor)
    pred = as_float64(pred)  # thresholds compared in float64
    gt = as_float64(gt, pred.device)
    if pool > 1:
        pred, gt = _max_pool(pred, pool), _max_pool(gt, pool)
    counts = {name: [] for name in COUNT_NAMES}
    values = pred.shape[-3] * pred.shape[-2] * pred.shape[-1]
    pixels = (-3, -2, -1)
    for thr in thresholds:
        p, g = pred >= thr, gt >= thr
        hits = torch.count_nonzero(p & g, dim=pixels)
        observed = torch.count_nonzero(g, dim=pixels)
        forecast = torch.count_nonzero(p, dim=pixels)
        counts['hits'].append(hits)
        counts['misses'].append(observed - hits)
        counts['false_alarms'].append(forecast - hits)
        counts['correct_negatives'].append(
            values - observed - forecast + hits)
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
                     false_alarms: np.ndarray,
                     correct_negatives: np.ndarray) -> Dict[str, np.ndarray]:
    """The scores of the module docstring from summed counts (any matching
    shapes).

    Returns:
        dict[str, np.ndarray]: ``'csi'``, ``'pod'``, ``'far'``, ``'bias'``,
        ``'hss'``, ``'ets'``, float64, NaN where undefined.
    """
    a, b, c, d = (np.asarray(x, dtype=np.float64)
                  for x in (hits, false_alarms, misses, correct_negatives))
    n = a + b + c + d
    random_hits = _ratio((a + b) * (a + c), n)
    return dict(
        csi=_ratio(a, a + b + c),
        pod=_ratio(a, a + c),
        far=_ratio(b, a + b),
        bias=_ratio(a + b, a + c),
        hss=_ratio(2 * (a * d - b * c), (a + c) * (c + d) + (a + b) * (b + d)),
        ets=_ratio(a - random_hits, a + b + c - random_hits))

"""Latitude-weighted RMSE and anomaly correlation (ACC) of global grids, as
WeatherBench scores them (Rasp et al. 2020, eqs. 1 and 3).

With latitudes ``lat_j`` of the grid rows, ``L_j = cos(lat_j) / mean_j
cos(lat_j)``. For one forecast (a clip) and lead time ``t``, in data units::

    RMSE_t = sqrt( mean_{c, j, k} L_j (f - o)^2 )
    ACC_t  = sum L_j f' o' / sqrt( sum L_j f'^2 * sum L_j o'^2 )

with anomalies ``f' = f - clim``, ``o' = o - clim`` against the per-pixel
climatology of the training years (the sums run over channels and grid
points). Both are averaged over clips; the scalars are the means over lead
times. Computed batched in float64 on the predictions' device.
"""
from typing import Any, Dict, List, Mapping, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from predrnn.registry import METRICS
from .data_units import DataUnits

COPY_LAST = 'copy_last/'


def latitude_weights(latitudes: Sequence[float]) -> torch.Tensor:
    """``cos(lat) / mean(cos(lat))`` per grid row, float64 ``(H,)``."""
    cos = torch.cos(torch.deg2rad(torch.as_tensor(latitudes,
                                                  dtype=torch.float64)))
    return cos / cos.mean()


def weighted_scores(pred: torch.Tensor, gt: torch.Tensor,
                    weights: torch.Tensor,
                    climatology: Optional[torch.Tensor]
                    ) -> Dict[str, torch.Tensor]:
    """RMSE (and ACC with a climatology) per clip and lead time.

    Args:
        pred, gt: ``(B, T, C, H, W)`` in data units, float64.
        weights: ``(H,)`` latitude weights.
        climatology: ``(C, H, W)`` or None.

    Returns:
        dict: ``'wrmse'`` (and ``'wacc'``), each ``(B, T)``.
    """
    w = weights.view(1, 1, 1, -1, 1)
    scores = dict(wrmse=((pred - gt)**2 * w).mean(dim=(2, 3, 4)).sqrt())
    if climatology is not None:
        f, o = pred - climatology, gt - climatology
        scores['wacc'] = (w * f * o).sum(dim=(2, 3, 4)) / torch.sqrt(
            (w * f * f).sum(dim=(2, 3, 4)) * (w * o * o).sum(dim=(2, 3, 4)))
    return scores


@METRICS.register_module()
class LatWeightedMetric(BaseMetric):
    """Latitude-weighted RMSE and ACC (module docstring) for global grids.

    The dataset's ``metainfo`` gives ``latitudes`` (one per grid row),
    ``normalization`` (to map predictions to data units) and, for ACC,
    ``climatology`` (``(C, H, W)``, data units), as
    :class:`~predrnn.datasets.WeatherBench` does.

    Args:
        with_copy_last (bool): Also score the last observed frame held
            (persistence). Defaults to True.
        return_per_step (bool): Add ``'..._per_step'`` lists (one value per
            lead time). Defaults to True.

    Returns of :meth:`compute_metrics`: ``'wrmse'``, ``'wacc'`` (when a
    climatology is known), their ``copy_last/`` versions and per-step lists.
    """

    default_prefix: Optional[str] = None

    def __init__(self, with_copy_last: bool = True,
                 return_per_step: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.with_copy_last = with_copy_last
        self.return_per_step = return_per_step
        self._units: Optional[DataUnits] = None
        self._weights = self._climatology = None

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, meta: Optional[dict]) -> None:
        self._dataset_meta = meta
        if not meta or 'latitudes' not in meta:
            raise ValueError(
                'LatWeightedMetric needs the latitude of each grid row in the '
                "dataset's metainfo ('latitudes'), as WeatherBench gives; "
                'use VideoPredictionMetric for other data.')
        self._units = DataUnits.from_meta(meta)
        self._weights = latitude_weights(meta['latitudes'])
        clim = meta.get('climatology')
        self._climatology = (None if clim is None else
                             torch.as_tensor(clim, dtype=torch.float64))

    def _to_units(self, frames: torch.Tensor) -> torch.Tensor:
        frames = frames.to(torch.float64)
        return frames if self._units is None else self._units.to_units(frames)

    def process(self, data_batch: Any,
                data_samples: Sequence[Mapping[str, Any]]) -> None:
        """Score a batch of clips (``pred``, ``gt`` ``(T, C, H, W)`` and
        ``inputs``, normalised) at once on their device."""
        pred = self._to_units(torch.stack([torch.as_tensor(s['pred'])
                                           for s in data_samples]))
        gt = self._to_units(torch.stack([torch.as_tensor(s['gt'])
                                         for s in data_samples]))
        if gt.shape[-2] != self._weights.numel():
            raise ValueError(
                f'The grid has {gt.shape[-2]} rows but the dataset gives '
                f'{self._weights.numel()} latitudes.')
        weights = self._weights.to(gt.device)
        clim = (None if self._climatology is None else
                self._climatology.to(gt.device))
        scores = weighted_scores(pred, gt, weights, clim)
        if self.with_copy_last:
            last = self._to_units(torch.stack([
                torch.as_tensor(s['inputs'])[-1:] for s in data_samples]))
            for name, value in weighted_scores(last.expand_as(gt), gt,
                                               weights, clim).items():
                scores[COPY_LAST + name] = value
        for i in range(gt.shape[0]):
            self.results.append(
                {k: v[i].cpu().numpy() for k, v in scores.items()})

    def compute_metrics(self, results: List[dict]) -> Dict[str, Any]:
        metrics: Dict[str, Any] = {}
        curves = {k: sum(r[k] for r in results) / len(results)
                  for k in results[0]}
        for key, curve in curves.items():
            metrics[key] = float(curve.mean())
        if self.return_per_step:
            for key, curve in curves.items():
                metrics[key + '_per_step'] = [float(v) for v in curve]
        return metrics

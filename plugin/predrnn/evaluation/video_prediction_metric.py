"""MSE, MAE, PSNR and SSIM of predicted future frames, per frame and per step.

The metric implements the evaluation of the PredRNN papers (Wang et al.,
TPAMI 2022, arXiv 2103.09504) as OpenSTL reports it, optionally the authors'
own convention, measures in the data's units, threshold scores and LPIPS.
The formulas live in :mod:`~predrnn.evaluation.frame_metrics`,
:mod:`~predrnn.evaluation.authors_convention`,
:mod:`~predrnn.evaluation.threshold_scores` and
:mod:`~predrnn.evaluation.lpips_metric`.
"""
import logging
from typing import (Any, Dict, Iterator, List, Mapping, Optional, Sequence,
                    Tuple)

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from predrnn.registry import METRICS
from .authors_convention import UINT8_PEAK, quantize_like_authors
from .data_units import DataUnits
from .frame_metrics import (as_float64, error_sums, frame_psnr, frame_ssim,
                            ssim_against)
from .lpips_metric import LPIPS_NETS, frame_lpips, load_lpips
from .threshold_scores import (COUNT_NAMES, SCORE_NAMES, check_thresholds,
                               score_key, threshold_counts, threshold_scores)

#: Names of the per-frame measures, in the order they are reported.
METRIC_NAMES = ('mse', 'mae', 'psnr', 'ssim')
#: Per-frame measures in data units, reported when the dataset declares a
#: normalisation.
UNIT_METRIC_NAMES = ('mse_units', 'mae_units')
#: Prefix of the keys of the copy-last-input-frame baseline.
COPY_LAST_PREFIX = 'copy_last/'
#: Suffix of the keys holding per-timestep curves.
PER_STEP_SUFFIX = '_per_step'
#: Every per-frame measure in report order (``lpips`` only when computed).
_FRAME_NAMES = METRIC_NAMES + UNIT_METRIC_NAMES + ('lpips', )


#: Most predicted values (B x T_out x C x H x W) measured at once on a GPU:
#: bounds the float64 working memory (a few dozen such arrays, ~2 GB)
#: whatever the batch and frame size; a test batch of 100 Moving MNIST
#: clips is one step.
MAX_VALUES_AT_ONCE = 2**23
#: The same on the CPU: float64 arrays of 2**16 values (512 KB) stay in
#: the core's cache, where torch's element-wise kernels run several times
#: faster than on larger arrays (whose every temporary is fresh memory).
MAX_VALUES_AT_ONCE_CPU = 2**16


def _pool_suffix(pool: int) -> str:
    """Key suffix of the threshold scores of max-pooled frames."""
    return '' if pool == 1 else f'_pool{pool}'


def clip_frame_metrics(pred: Any, gt: Any,
                       ssim_data_range: float = 1.0) -> Dict[str, Any]:
    """Every per-frame measure of clips in [0, 1] (no declared units).

    MSE and MAE use the raw prediction (as OpenSTL does: a model is not
    rewarded for values outside [0, 1] that clipping would repair); PSNR and
    SSIM use the prediction clipped to [0, 1].

    Args:
        pred (np.ndarray | torch.Tensor): Raw predicted future frames, shape
            (T_out, C, H, W) or a batch (B, T_out, C, H, W).
        gt (np.ndarray | torch.Tensor): Ground-truth future frames in
            [0, 1], same shape.
        ssim_data_range (float): ``data_range`` given to SSIM. Defaults to
            1.0.

    Returns:
        dict: ``'mse'``, ``'mae'``, ``'psnr'``, ``'ssim'``, each of shape
        (T_out,) or (B, T_out): numpy for numpy input, else tensors on the
        frames' device.
    """
    as_numpy = not isinstance(pred, torch.Tensor)
    pred = as_float64(pred)
    gt = as_float64(gt, pred.device)
    clipped = pred.clamp(0.0, 1.0)
    mse, mae = error_sums(pred, gt)
    out = dict(
        mse=mse,
        mae=mae,
        psnr=frame_psnr(clipped, gt),
        ssim=frame_ssim(clipped, gt, data_range=ssim_data_range))
    if as_numpy:
        out = {name: values.cpu().numpy() for name, values in out.items()}
    return out


def _over_frames(value: Any) -> Any:
    """A per-clip (B, 1) tensor made broadcastable to (B, T, C, H, W)."""
    if isinstance(value, torch.Tensor):
        return value.reshape(value.shape + (1, 1, 1))
    return value


def _device(frames: Any) -> torch.device:
    """Where a clip's measures are computed: where its prediction is."""
    if isinstance(frames, torch.Tensor):
        return frames.device
    return torch.device('cpu')


def _batches(samples: Sequence[Mapping[str, Any]]
             ) -> Iterator[Sequence[Mapping[str, Any]]]:
    """Runs of consecutive clips of one shape and device, of at most
    ``MAX_VALUES_AT_ONCE`` (CPU: ``MAX_VALUES_AT_ONCE_CPU``) predicted
    values, and at least one clip."""
    start = 0
    while start < len(samples):
        first = samples[start]['pred']
        shape, device = tuple(first.shape), _device(first)
        limit = (MAX_VALUES_AT_ONCE_CPU if device.type == 'cpu' else
                 MAX_VALUES_AT_ONCE)
        most = max(1, limit // max(1, int(np.prod(shape))))
        stop = start + 1
        while (stop < len(samples) and stop - start < most
               and tuple(samples[stop]['pred'].shape) == shape
               and _device(samples[stop]['pred']) == device):
            stop += 1
        yield samples[start:stop]
        start = stop


def _stack(values: Sequence[Any], device: torch.device,
           name: str) -> torch.Tensor:
    """Frames of several clips as one float64 tensor on ``device``.

    Raises:
        ValueError: If the clips' ``name`` frames differ in shape.
    """
    values = [v if isinstance(v, torch.Tensor) else np.asarray(v)
              for v in values]
    shape = tuple(values[0].shape)
    if any(tuple(v.shape) != shape for v in values):
        raise ValueError(f"the '{name}' frames of the clips of one batch "
                         'must have one shape, got '
                         f'{sorted({tuple(v.shape) for v in values})}')
    out = torch.empty((len(values), ) + shape, dtype=torch.float64,
                      device=device)
    for row, value in zip(out, values):
        row.copy_(value if isinstance(value, torch.Tensor) else
                  as_float64(value))  # converts on the fly
    return out


@METRICS.register_module()
class VideoPredictionMetric(BaseMetric):
    """MSE, MAE, PSNR and SSIM of the predicted future frames, and options.

    Each measure is computed per predicted frame (the ``T_out`` future frames
    only), then averaged over frames and clips:

    - ``mse`` / ``mae``: sum over channels and pixels of the squared /
      absolute error ("MSE per frame"), on the **raw, unclipped** prediction,
      as OpenSTL computes them, in the frames' (normalised) values.
    - ``psnr``: ``-10 log10(mean squared error over the frame / peak^2)`` on
      the prediction clipped to [0, 1] (peak 1), capped at 100 dB (a frame
      whose relative mean squared error is below 1e-10 scores 100 dB) so
      averages stay finite. The average is over per-frame PSNR values, as in
      OpenSTL.
    - ``ssim``: scikit-image's ``structural_similarity`` (7 x 7 uniform
      window, channels averaged with ``channel_axis`` for colour, computed
      in torch: :func:`~predrnn.evaluation.frame_ssim`) per frame
      on the prediction clipped to [0, 1], with ``data_range=ssim_data_range``
      (relative to the peak). 1.0 is correct. OpenSTL runs with scikit-image
      < 0.19 and no ``data_range`` implicitly used 2.0 (the range of a float
      dtype, [-1, 1]), which weakens the SSIM constants and inflates SSIM
      slightly; set ``ssim_data_range=2.0`` only to reproduce those numbers.

    **The authors' convention** (``authors_convention=True``, see
    :mod:`~predrnn.evaluation.authors_convention`): MSE and MAE on the
    prediction clipped to [0, 1], PSNR and SSIM on frames truncated to uint8,
    as the PredRNN authors' test code computes the papers' tables. Use it as a
    second metric with its own ``prefix`` (``prefix='authors'`` gives keys
    ``'authors/mse'``, ...) so the default keys, which ``save_best='mse'``
    reads, stay as they are.

    **Data units.** When the dataset's ``metainfo`` (the metric's
    ``dataset_meta``) declares ``normalization = dict(kind, scale, offset,
    units, data_range)`` with data = normalised * scale + offset per channel
    (:class:`~predrnn.evaluation.DataUnits`), ``mse`` and ``mae`` stay in
    normalised values, ``mse_units`` / ``mae_units`` are the same sums in
    data units, and PSNR and SSIM are computed in data units with the
    declared ``data_range`` ``[lo, hi]`` as the range (peak ``hi - lo``,
    predictions clipped to it; SSIM on values minus ``lo``, since its
    luminance term depends on the zero). For a ``'range'`` normalisation
    this equals the normalised PSNR and SSIM. Without a ``data_range``,
    ``'range'`` and ``'minmax'`` imply ``[offset, offset + scale]``;
    mean-std data has no natural peak: the ground-truth clip's own range is
    used and predictions are not clipped (see
    :meth:`DataUnits.reference_range`). Without the key, nothing changes.

    **Threshold scores** (``thresholds=[...]`` in data units, or in the
    frames' values when no normalisation is declared): ``csi_<t>``,
    ``pod_<t>``, ``far_<t>``, ``bias_<t>``, ``hss_<t>``, ``ets_<t>`` from
    hits, misses, false alarms and correct negatives (value >= t) summed
    over every pixel, frame and clip of the set before dividing; NaN when
    no event occurs at ``t``, with ``events_<t>`` (observed events) beside
    them. ``pool_sizes=[1, 4, 16]`` adds the same scores on max-pooled
    frames under ``..._pool4`` / ``..._pool16``
    (:mod:`~predrnn.evaluation.threshold_scores`).

    **LPIPS** (``lpips=True``): computed only when the optional ``lpips``
    package is installed and the torchvision backbone weights are already in
    the local torch hub cache; otherwise one log line says what is missing
    and where to put the weights, and there is no ``lpips`` key. Never a
    download. Frames are mapped to [0, 1] by the range used for PSNR, grey
    frames repeated to RGB, then scaled to [-1, 1] as LPIPS expects (the
    authors' convention feeds [0, 1], as their code does). Only for 1 or 3
    channels.

    The same measures are reported for the copy-last-input-frame baseline
    (every future frame predicted as the last observed frame, persistence in
    nowcasting) on the same clips, under keys prefixed with ``'copy_last/'``.

    Per-timestep curves (the value at each future step, averaged over clips;
    for threshold scores, counts summed over clips per step) are returned
    under ``'<name>_per_step'`` keys as plain lists of Python floats of length
    ``T_out``. mmengine 0.10.7 routes such non-scalar values to the message
    hub's runtime info instead of its scalar buffers: they appear in the
    validation/test log line and in the test JSON log, never in
    ``scalars.json`` or TensorBoard, and ``CheckpointHook(save_best='mse')``
    reads only ``'mse'``. Lists of floats (not arrays) keep checkpoints, which
    store the message hub, loadable with ``torch.load(weights_only=True)``.
    Set ``return_per_step=False`` to return scalars only (shorter log lines).

    ``process`` stores only per-frame values and per-clip counts (arrays of
    shape ``(T_out,)`` or ``(K, T_out)`` per clip), never frames, so memory
    stays small, distributed evaluation collects little, and mmengine's
    collection (which drops the samples a distributed sampler padded) leaves
    exactly one record per clip: counts are summed only after gathering.

    Args:
        ssim_data_range (float): ``data_range`` of SSIM relative to the peak
            (1.0 = the frames' range). Defaults to 1.0.
        with_copy_last (bool): Also evaluate the copy-last-input-frame
            baseline (roughly doubles the cost of ``process``). Defaults to
            True.
        return_per_step (bool): Add the ``'<name>_per_step'`` curves to the
            returned dict. Defaults to True.
        authors_convention (bool): Compute MSE, MAE, PSNR and SSIM as the
            PredRNN authors' test does. Needs frames in [0, 1] (no mean-std
            normalisation) and the default ``ssim_data_range``. Defaults
            to False.
        thresholds (Sequence[float], optional): Thresholds of the threshold
            scores, in data units. Defaults to None (no threshold scores).
        pool_sizes (Sequence[int]): Max-pool sizes of the threshold
            scores; 1 is the values as they are. Defaults to ``(1, )``.
        lpips (bool): Also compute LPIPS when possible. Defaults to False.
        lpips_net (str): LPIPS backbone, ``'alex'`` (the papers'), ``'vgg'``
            or ``'squeeze'``. Defaults to ``'alex'``.
        compile (bool): Measure through ``torch.compile`` (inductor fuses
            the element-wise float64 arithmetic: about twice as fast on a
            CPU once compiled, which takes some 10 s per clip shape, see
            BENCHMARKS.md). Not with ``lpips``. Defaults to False.
        collect_device (str): Device used to collect results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of every key, joined with ``'/'``.
            Keep it None on the metric whose ``'mse'`` selects the best
            checkpoint. Defaults to None.
        collect_dir (str, optional): Temporary folder of the CPU collection.
            Defaults to None.

    Returns of :meth:`compute_metrics` (``T_out = 10`` shown)::

        {'mse': 24.1, 'mae': 73.7, 'psnr': 23.2, 'ssim': 0.945,
         # with declared units / lpips / thresholds=[20]:
         'mse_units': ..., 'mae_units': ..., 'lpips': ...,
         'csi_20': ..., 'pod_20': ..., 'far_20': ...,
         'copy_last/mse': ..., ...,
         'mse_per_step': [10 floats], ..., 'csi_20_per_step': [10 floats],
         'copy_last/mse_per_step': [10 floats], ...}
    """

    default_prefix: Optional[str] = None

    def __init__(self,
                 ssim_data_range: float = 1.0,
                 with_copy_last: bool = True,
                 return_per_step: bool = True,
                 authors_convention: bool = False,
                 thresholds: Optional[Sequence[float]] = None,
                 pool_sizes: Sequence[int] = (1, ),
                 lpips: bool = False,
                 lpips_net: str = 'alex',
                 compile: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        if ssim_data_range <= 0:
            raise ValueError(
                f'ssim_data_range must be positive, got {ssim_data_range}')
        if authors_convention and ssim_data_range != 1.0:
            raise ValueError(
                'ssim_data_range has no effect with authors_convention=True '
                '(their SSIM is on uint8 frames, range 255); drop one of '
                f'them, got ssim_data_range={ssim_data_range}')
        if lpips_net not in LPIPS_NETS:
            raise ValueError(f'lpips_net must be one of {LPIPS_NETS}, got '
                             f'{lpips_net!r}')
        self.ssim_data_range = float(ssim_data_range)
        self.with_copy_last = with_copy_last
        self.return_per_step = return_per_step
        self.authors_convention = bool(authors_convention)
        self.thresholds: Tuple[float, ...] = check_thresholds(thresholds)
        if compile and lpips:
            raise ValueError('compile=True compiles the measures without '
                             'LPIPS; drop one of compile and lpips.')
        # torch.compile fuses the element-wise float64 arithmetic of each
        # step (compiled once per clip shape, dynamic batch sizes)
        self._records = (torch.compile(self._batch_records, dynamic=True)
                         if compile else self._batch_records)
        if (isinstance(pool_sizes, (int, str)) or not pool_sizes
                or any(not isinstance(k, int) or k < 1 for k in pool_sizes)
                or len(set(pool_sizes)) != len(pool_sizes)):
            raise ValueError('pool_sizes must be distinct positive integers, '
                             f'e.g. [1, 4, 16]; got {pool_sizes!r}')
        self.pool_sizes = tuple(pool_sizes)
        self.lpips = bool(lpips)
        self.lpips_net = lpips_net
        self._units: Optional[DataUnits] = None
        self._lpips_model: Optional[torch.nn.Module] = None
        self._lpips_resolved = not self.lpips

    @property
    def dataset_meta(self) -> Optional[dict]:
        """Optional[dict]: Meta info of the dataset (may declare units)."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        """Store the meta info and parse its ``'normalization'``, if any."""
        units = DataUnits.from_meta(dataset_meta)
        if (self.authors_convention and units is not None
                and units.kind == 'meanstd'):
            raise ValueError(
                "authors_convention=True needs frames normalised to [0, 1] "
                "(normalization kind 'range' or 'minmax'); this dataset "
                "declares 'meanstd'. Drop the authors' metric or change the "
                'normalisation.')
        self._dataset_meta = dataset_meta
        self._units = units

    def _resolve_lpips(self, channels: int) -> None:
        """Load LPIPS once, or log once why it is skipped."""
        self._lpips_resolved = True
        if channels not in (1, 3):
            reason = (f'LPIPS skipped: it needs 1 or 3 channels, the clips '
                      f'have {channels}')
        else:
            self._lpips_model, reason = load_lpips(self.lpips_net)
        if self._lpips_model is None:
            print_log(reason, logger='current', level=logging.WARNING)

    def _batch_records(self, preds: Sequence[torch.Tensor],
                       gt: torch.Tensor) -> List[Dict[str, torch.Tensor]]:
        """Every per-frame measure and count of several predictions of a
        batch of clips, on ``gt``'s device, sharing the work on ``gt``.

        Args:
            preds (Sequence[torch.Tensor]): float64, each (B, T_out, C, H, W)
                or (B, 1, C, H, W) (one frame for all steps).
            gt (torch.Tensor): float64 (B, T_out, C, H, W).

        Returns:
            list[dict]: Per prediction, values (B, T_out) and counts
            (B, K, T_out) on ``gt``'s device.
        """
        units, authors = self._units, self.authors_convention
        gt_u, lo, hi, clip = gt, 0.0, 1.0, True
        if units is not None:
            gt_u = units.to_units(gt)
            lo, hi, clip = units.reference_ranges(gt_u)  # floats or (B, 1)
        lo_f = _over_frames(lo)
        if authors:  # PSNR and SSIM on uint8 frames
            gt_psnr = gt_ssim = quantize_like_authors(gt).double()
            peak = ssim_range = UINT8_PEAK
        else:
            # SSIM's luminance term is not shift-invariant: measure from
            # the range's low end (kelvin and celsius score alike).
            gt_psnr, gt_ssim = gt_u, (gt_u if units is None else gt_u - lo_f)
            peak = hi - lo
            ssim_range = self.ssim_data_range * peak
        ssim = ssim_against(gt_ssim, ssim_range)
        records = []
        for pred in preds:
            if authors:  # every error of the clipped prediction
                pred = pred.clamp(0.0, 1.0)
            record = dict(zip(('mse', 'mae'), error_sums(pred, gt)))
            pred_u = pred
            if units is not None:
                pred_u = units.to_units(pred)
                record['mse_units'], record['mae_units'] = error_sums(
                    pred_u, gt_u)
            if authors:
                shown = shown_ssim = quantize_like_authors(pred).double()
            else:
                shown = pred_u.clamp(lo, hi) if clip else pred_u
                shown_ssim = shown if units is None else shown - lo_f
            record['psnr'] = frame_psnr(shown, gt_psnr, data_range=peak)
            record['ssim'] = ssim(shown_ssim)
            if self._lpips_model is not None:
                span = _over_frames(hi - lo)
                pred01 = ((pred_u - lo_f) / span).clamp(0.0, 1.0)
                record['lpips'] = frame_lpips(
                    self._lpips_model, pred01.expand_as(gt_u),
                    ((gt_u - lo_f) / span).clamp(0.0, 1.0),
                    scale_to_pm1=not authors)
            for pool in (self.pool_sizes if self.thresholds else ()):
                counts = threshold_counts(pred_u, gt_u, self.thresholds,
                                          pool)
                record.update({name + _pool_suffix(pool): value
                               for name, value in counts.items()})
            records.append(record)
        return records

    @staticmethod
    def _per_clip(record: Dict[str, torch.Tensor]
                  ) -> List[Dict[str, np.ndarray]]:
        """One small record per clip (numpy, on the host); the batch's
        values leave the device in one copy per kind (values, counts)."""
        clips: List[Dict[str, np.ndarray]] = []
        for floating in (True, False):
            names = [n for n, v in record.items()
                     if v.is_floating_point() == floating]
            if not names:
                continue
            host = torch.stack([record[n] for n in names], 1).cpu().numpy()
            if not clips:
                clips = [{} for _ in host]
            for clip, values in zip(clips, host):
                clip.update(zip(names, values))
        return clips

    def process(self, data_batch: Any,
                data_samples: Sequence[Mapping[str, Any]]) -> None:
        """Store the per-frame measures of every clip of a batch.

        The clips are measured together on the predictions' device, in
        float64, in steps of at most ``MAX_VALUES_AT_ONCE`` predicted values
        (``MAX_VALUES_AT_ONCE_CPU`` on the CPU); only the per-frame values
        and counts come back to the host, one copy per step.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[Mapping]): The model's predict outputs, one
                dict per clip with ``'pred'`` (T_out, C, H, W) raw,
                ``'gt'`` (T_out, C, H, W) and ``'inputs'`` (T_in, C, H, W),
                tensors on any device or arrays, in normalised values.
        """
        for samples in _batches(data_samples):
            device = _device(samples[0]['pred'])
            gt = _stack([s['gt'] for s in samples], device, 'gt')
            if not self._lpips_resolved:
                self._resolve_lpips(gt.shape[2])
            if self._lpips_model is not None:
                self._lpips_model.to(device)  # the GPU if the clips are there
            preds = [_stack([s['pred'] for s in samples], device, 'pred')]
            if self.with_copy_last:
                # the last input frame, broadcast over the future frames
                preds.append(
                    _stack([s['inputs'][-1:] for s in samples], device,
                           'inputs'))
            record, *baseline = self._records(preds, gt)
            for name, values in (baseline[0].items() if baseline else ()):
                record[COPY_LAST_PREFIX + name] = values
            self.results.extend(self._per_clip(record))

    def compute_metrics(self, results: List[Dict[str, np.ndarray]]
                        ) -> Dict[str, Any]:
        """Average the per-frame measures, sum the counts, over all clips.

        Args:
            results (list[dict]): One record per clip, as stored by
                :meth:`process` (gathered from every rank).

        Returns:
            dict: Scalars (``'mse'``, ``'mae'``, ``'psnr'``, ``'ssim'``, the
            optional keys, then ``'copy_last/...'``), then, if
            ``return_per_step``, the per-timestep curves under
            ``'..._per_step'`` as lists of floats.
        """
        if not results:
            raise ValueError('VideoPredictionMetric got no results to average')
        names = [n for n in _FRAME_NAMES if all(n in r for r in results)]
        partial = [n for n in _FRAME_NAMES
                   if n not in names and any(n in r for r in results)]
        if partial:
            print_log(f'{partial} computed on some ranks only (e.g. LPIPS '
                      'weights missing on one machine): not reported',
                      logger='current', level=logging.WARNING)
        prefixes = [''] + ([COPY_LAST_PREFIX] if self.with_copy_last else [])
        scalars: Dict[str, float] = {}
        per_step: Dict[str, np.ndarray] = {}
        for prefix in prefixes:
            for name in names:
                curve = np.stack([r[prefix + name] for r in results]).mean(0)
                per_step[prefix + name] = curve
                scalars[prefix + name] = float(curve.mean())
            if not self.thresholds:
                continue
            for pool in self.pool_sizes:
                suffix = _pool_suffix(pool)
                counts = [  # hits, misses, ..., each (K, T_out)
                    np.sum([r[prefix + name + suffix] for r in results],
                           axis=0) for name in COUNT_NAMES
                ]
                step_scores = threshold_scores(*counts)
                set_scores = threshold_scores(*(c.sum(axis=1)
                                                for c in counts))
                events = counts[0] + counts[1]  # hits + misses
                for k, thr in enumerate(self.thresholds):
                    for score in SCORE_NAMES:
                        key = prefix + score_key(score, thr) + suffix
                        per_step[key] = step_scores[score][k]
                        scalars[key] = float(set_scores[score][k])
                    key = prefix + score_key('events', thr) + suffix
                    per_step[key] = events[k].astype(np.float64)
                    scalars[key] = float(events[k].sum())
        metrics: Dict[str, Any] = dict(scalars)
        if self.return_per_step:
            for key, curve in per_step.items():
                metrics[key + PER_STEP_SUFFIX] = [float(v) for v in curve]
        return metrics

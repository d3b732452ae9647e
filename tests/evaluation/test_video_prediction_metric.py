"""VideoPredictionMetric against formulas written out independently here."""
import math

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from predrnn.evaluation import VideoPredictionMetric
from predrnn.registry import METRICS

NAMES = ('mse', 'mae', 'psnr', 'ssim')


def make_clips(num: int, t_in: int = 3, t_out: int = 4, channels: int = 1,
               size: int = 16, seed: int = 0) -> list:
    """Random predict outputs; predictions leave [0, 1] on purpose."""
    gen = torch.Generator().manual_seed(seed)
    clips = []
    for _ in range(num):
        gt = torch.rand(t_out, channels, size, size, generator=gen)
        noise = 0.3 * torch.randn(t_out, channels, size, size, generator=gen)
        clips.append(
            dict(
                pred=gt + noise,
                gt=gt,
                inputs=torch.rand(t_in, channels, size, size, generator=gen)))
    return clips


def reference_frame_values(pred: np.ndarray, gt: np.ndarray,
                           data_range: float) -> dict:
    """Per-frame values written from docs/en/evaluation.md, one frame at a
    time."""
    out = {name: [] for name in NAMES}
    for p, g in zip(pred.astype(np.float64), gt.astype(np.float64)):
        out['mse'].append(((p - g)**2).sum())
        out['mae'].append(np.abs(p - g).sum())
        pc = np.minimum(np.maximum(p, 0.0), 1.0)
        frame_mse = ((pc - g)**2).mean()
        out['psnr'].append(100.0 if frame_mse < 1e-10 else -10.0 *
                           math.log10(frame_mse))
        if p.shape[0] == 1:
            s = structural_similarity(
                g[0], pc[0], win_size=7, data_range=data_range)
        else:
            s = structural_similarity(
                np.moveaxis(g, 0, -1),
                np.moveaxis(pc, 0, -1),
                win_size=7,
                data_range=data_range,
                channel_axis=-1)
        out['ssim'].append(s)
    return {k: np.array(v) for k, v in out.items()}


def reference_metrics(clips: list, data_range: float = 1.0) -> dict:
    """Averages and per-step curves of the model and the copy-last baseline."""
    per_clip = {name: [] for name in NAMES}
    per_clip_base = {name: [] for name in NAMES}
    for clip in clips:
        pred, gt = clip['pred'].numpy(), clip['gt'].numpy()
        last = clip['inputs'].numpy()[-1]
        base = np.stack([last] * gt.shape[0])
        for name, v in reference_frame_values(pred, gt, data_range).items():
            per_clip[name].append(v)
        for name, v in reference_frame_values(base, gt, data_range).items():
            per_clip_base[name].append(v)
    ref = {}
    for prefix, table in (('', per_clip), ('copy_last/', per_clip_base)):
        for name, rows in table.items():
            rows = np.array(rows)  # (N, T_out)
            ref[prefix + name] = rows.mean()
            ref[prefix + name + '_per_step'] = rows.mean(axis=0)
    return ref


def evaluate(metric: VideoPredictionMetric, clips: list,
             batch_size: int = 2) -> dict:
    """Process clips in batches and average, as an Evaluator would."""
    for i in range(0, len(clips), batch_size):
        metric.process({}, clips[i:i + batch_size])
    return metric.compute_metrics(metric.results)


@pytest.mark.parametrize('channels', [1, 3])
def test_values_match_independent_computation(channels):
    clips = make_clips(5, channels=channels)
    metrics = evaluate(VideoPredictionMetric(), clips)
    ref = reference_metrics(clips)
    assert set(metrics) == set(ref)
    for key, value in ref.items():
        np.testing.assert_allclose(
            np.asarray(metrics[key]), value, rtol=1e-6, atol=1e-9,
            err_msg=key)


def test_keys_order_and_types():
    metrics = evaluate(VideoPredictionMetric(), make_clips(3))
    scalar_keys = list(NAMES) + ['copy_last/' + n for n in NAMES]
    assert list(metrics)[:8] == scalar_keys
    for key in scalar_keys:
        assert type(metrics[key]) is float
    for key in scalar_keys:
        curve = metrics[key + '_per_step']
        assert isinstance(curve, list) and len(curve) == 4
        assert all(type(v) is float for v in curve)


def test_mse_mae_use_raw_predictions():
    gt = torch.full((2, 1, 8, 8), 1.0)
    clip = dict(pred=gt + 0.5, gt=gt, inputs=torch.zeros(1, 1, 8, 8))
    metrics = evaluate(VideoPredictionMetric(), [clip])
    assert metrics['mse'] == pytest.approx(64 * 0.25)
    assert metrics['mae'] == pytest.approx(64 * 0.5)
    # clipped to [0, 1] the prediction is perfect
    assert metrics['psnr'] == pytest.approx(100.0)
    assert metrics['ssim'] == pytest.approx(1.0)


def test_perfect_prediction():
    clips = make_clips(2)
    for clip in clips:
        clip['pred'] = clip['gt'].clone()
    metrics = evaluate(VideoPredictionMetric(), clips)
    assert metrics['mse'] == 0.0
    assert metrics['mae'] == 0.0
    assert metrics['ssim'] == pytest.approx(1.0, abs=1e-12)
    assert metrics['psnr'] == 100.0
    assert metrics['psnr_per_step'] == [100.0] * 4


def test_copy_last_is_exact_on_static_video():
    gen = torch.Generator().manual_seed(1)
    frame = torch.rand(1, 1, 16, 16, generator=gen)
    clip = dict(
        pred=torch.rand(4, 1, 16, 16, generator=gen),
        gt=frame.repeat(4, 1, 1, 1),
        inputs=frame.repeat(3, 1, 1, 1))
    metrics = evaluate(VideoPredictionMetric(), [clip])
    assert metrics['copy_last/mse'] == 0.0
    assert metrics['copy_last/mae'] == 0.0
    assert metrics['copy_last/psnr'] == 100.0
    assert metrics['copy_last/ssim'] == pytest.approx(1.0, abs=1e-12)
    assert metrics['mse'] > 0


@pytest.mark.parametrize('kwargs, meta', [
    ({}, None),
    # threshold counts summed over the gathered clips, in declared units
    (dict(thresholds=[20, 30]),
     dict(normalization=dict(kind='range', scale=[50.0], offset=[0.0],
                             units='mm/h', data_range=[0, 50]))),
])
def test_merging_results_of_two_instances(kwargs, meta):
    """What mmengine's collect_results gathers: every rank's results list.
    """
    def metric():
        out = VideoPredictionMetric(**kwargs)
        out.dataset_meta = meta
        return out

    clips = make_clips(6, seed=3)
    single = metric()
    expected = evaluate(single, clips)
    rank0, rank1 = metric(), metric()
    rank0.process({}, clips[0::2])
    rank1.process({}, clips[1::2])
    merged = rank0.compute_metrics(rank0.results + rank1.results)
    assert merged.keys() == expected.keys()
    for key in expected:
        np.testing.assert_allclose(merged[key], expected[key], rtol=1e-12)


def test_results_hold_small_records_only():
    metric = VideoPredictionMetric()
    metric.process({}, make_clips(2))
    assert len(metric.results) == 2
    for record in metric.results:
        for value in record.values():
            assert isinstance(value, np.ndarray) and value.shape == (4,)


def test_ssim_data_range_two_reproduces_old_openstl():
    clips = make_clips(3, seed=5)
    metrics = evaluate(VideoPredictionMetric(ssim_data_range=2.0), clips)
    ref = reference_metrics(clips, data_range=2.0)
    np.testing.assert_allclose(metrics['ssim'], ref['ssim'], rtol=1e-10)
    default = evaluate(VideoPredictionMetric(), clips)
    assert metrics['ssim'] > default['ssim']


def test_options_and_registry():
    metric = METRICS.build(
        dict(type='VideoPredictionMetric', with_copy_last=False,
             return_per_step=False))
    metrics = evaluate(metric, make_clips(2))
    assert list(metrics) == list(NAMES)
    with pytest.raises(ValueError):
        VideoPredictionMetric(ssim_data_range=0)


def test_accepts_numpy_and_double_tensors():
    clips = make_clips(2)
    as_numpy = [{k: v.numpy() for k, v in c.items()} for c in clips]
    as_double = [{k: v.double() for k, v in c.items()} for c in clips]
    a = evaluate(VideoPredictionMetric(), as_numpy)
    b = evaluate(VideoPredictionMetric(), as_double)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-12)

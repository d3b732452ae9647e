"""Metrics in the data's own units, declared through ``dataset_meta``."""
import numpy as np
import pytest
from skimage.metrics import structural_similarity

from predrnn.evaluation import DataUnits, VideoPredictionMetric


def clips(num=3, channels=1, t_out=3, size=(12, 10), seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(num):
        gt = rng.random((t_out, channels) + size)
        out.append(dict(
            pred=gt + 0.3 * rng.standard_normal(gt.shape), gt=gt,
            inputs=rng.random((2, channels) + size)))
    return out


def evaluate(clip_list, normalization=None, **kwargs):
    metric = VideoPredictionMetric(**kwargs)
    metric.dataset_meta = (None if normalization is None else
                           dict(normalization=normalization))
    metric.process({}, clip_list)
    return metric.compute_metrics(metric.results)


def test_no_declaration_keeps_todays_keys_and_values():
    data = clips()
    today = evaluate(data)
    other_meta = VideoPredictionMetric()
    other_meta.dataset_meta = dict(classes=None)  # Moving MNIST-like meta
    other_meta.process({}, data)
    assert other_meta.compute_metrics(other_meta.results) == today
    assert 'mse_units' not in today


def test_single_channel_units_mse_is_scaled_normalised_mse():
    data = clips()
    norm = dict(kind='range', scale=[70.0], offset=[-10.0], units='dBZ',
                data_range=[-10, 60])
    m = evaluate(data, norm)
    plain = evaluate(data)
    for prefix in ('', 'copy_last/'):
        assert m[prefix + 'mse_units'] == pytest.approx(
            plain[prefix + 'mse'] * 70.0**2, rel=1e-12)
        assert m[prefix + 'mae_units'] == pytest.approx(
            plain[prefix + 'mae'] * 70.0, rel=1e-12)
        # a 'range' normalisation: PSNR and SSIM are scale-free
        for name in ('mse', 'mae', 'psnr', 'ssim'):
            assert m[prefix + name] == pytest.approx(plain[prefix + name],
                                                     rel=1e-9)
    assert list(m)[:6] == ['mse', 'mae', 'psnr', 'ssim', 'mse_units',
                           'mae_units']


def test_colour_psnr_ssim_in_units_against_skimage():
    """Per-channel scales (e.g. a multi-variable field) with one declared
    data range: PSNR and SSIM computed here on data-unit frames."""
    data = clips(channels=3, seed=1)
    scale, offset, lo, hi = np.array([100., 50., 80.]), np.array([0., 20,
                                                                  -5]), -5, 100
    m = evaluate(data, dict(kind='minmax', scale=scale.tolist(),
                            offset=offset.tolist(), units=None,
                            data_range=[lo, hi]),
                 with_copy_last=False)
    psnr, ssim, mse_u = [], [], []
    for clip in data:
        for p, g in zip(clip['pred'], clip['gt']):
            pu = p * scale[:, None, None] + offset[:, None, None]
            gu = g * scale[:, None, None] + offset[:, None, None]
            mse_u.append(((pu - gu)**2).sum())
            pc = np.clip(pu, lo, hi)
            psnr.append(10 * np.log10((hi - lo)**2 / ((pc - gu)**2).mean()))
            ssim.append(structural_similarity(  # measured from lo
                np.moveaxis(gu - lo, 0, -1), np.moveaxis(pc - lo, 0, -1),
                data_range=hi - lo, channel_axis=-1))
    assert m['mse_units'] == pytest.approx(np.mean(mse_u), rel=1e-12)
    assert m['psnr'] == pytest.approx(np.mean(psnr), rel=1e-12)
    assert m['ssim'] == pytest.approx(np.mean(ssim), rel=1e-12)


def test_mean_std_without_range_uses_the_clips_range():
    data = clips(num=2, seed=2)
    data[1]['gt'][:] = 0.25  # a constant clip: the floor applies
    norm = dict(kind='meanstd', scale=[4.0], offset=[10.0], units='K')
    m = evaluate(data, norm, with_copy_last=False)
    psnr, ssim = [], []
    for clip in data:
        pu, gu = clip['pred'] * 4 + 10, clip['gt'] * 4 + 10
        peak = max(gu.max() - gu.min(), 4.0)  # floor: one std (scale)
        for p, g in zip(pu[:, 0], gu[:, 0]):  # not clipped
            psnr.append(10 * np.log10(peak**2 / ((p - g)**2).mean()))
            ssim.append(structural_similarity(
                g - gu.min(), p - gu.min(), data_range=peak))
    assert m['psnr'] == pytest.approx(np.mean(psnr), rel=1e-12)
    assert m['ssim'] == pytest.approx(np.mean(ssim), rel=1e-12)


def test_reference_range_choices():
    gt = np.linspace(0, 1, 2 * 1 * 7 * 7).reshape(2, 1, 7, 7)
    declared = DataUnits.from_meta(dict(normalization=dict(
        kind='range', scale=2, offset=0, data_range=[0, 255])))
    assert declared.reference_range(gt) == (0.0, 255.0, True)
    free = DataUnits.from_meta(dict(normalization=dict(
        kind='meanstd', scale=[0.5], offset=[0])))
    assert free.reference_range(gt) == (0.0, 1.0, False)
    assert free.reference_range(gt * 0.1) == (0.0, 0.5, False)
    implied = DataUnits.from_meta(dict(normalization=dict(
        kind='minmax', scale=[2, 4], offset=[-1, 0])))
    assert implied.reference_range(gt) == (-1.0, 4.0, True)


@pytest.mark.parametrize('norm, match', [
    (dict(kind='zscore', scale=[1], offset=[0]), 'kind'),
    (dict(kind='range', offset=[0]), 'scale'),
    (dict(kind='range', scale=[0.0], offset=[0]), 'positive'),
    (dict(kind='range', scale=[1, 2], offset=[0, 1, 2]), 'per channel'),
    (dict(kind='range', scale=[1], offset=[0], data_range=[5, 5]), 'lo < hi'),
    ('range', 'dict'),
])
def test_bad_declarations(norm, match):
    with pytest.raises(ValueError, match=match):
        VideoPredictionMetric().dataset_meta = dict(normalization=norm)


def test_channel_count_mismatch_is_named():
    metric = VideoPredictionMetric()
    metric.dataset_meta = dict(normalization=dict(
        kind='range', scale=[1, 2], offset=[0, 0]))
    with pytest.raises(ValueError, match='2 values but the clips have 3'):
        metric.process({}, clips(num=1, channels=3))

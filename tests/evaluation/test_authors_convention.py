"""The authors' evaluation convention, written out here from their test."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from skimage.metrics import structural_similarity

from predrnn.evaluation import (VideoPredictionMetric,
                                authors_clip_frame_metrics,
                                quantize_like_authors)


def authors_reference(pred: np.ndarray, gt: np.ndarray) -> dict:
    """Per-frame values as the authors' trainer computes them (frames moved
    to their (H, W, C) layout, uint8 by np.uint8(x * 255))."""
    out = dict(mse=[], psnr=[], ssim=[])
    for p, x in zip(pred, gt):
        gx = np.minimum(np.maximum(p, 0), 1)
        out['mse'].append(np.square(x - gx).sum())
        real = np.uint8(np.moveaxis(x, 0, -1) * 255)
        fake = np.uint8(np.moveaxis(gx, 0, -1) * 255)
        err = np.mean((real.astype(np.int32) - fake.astype(np.int32))**2)
        out['psnr'].append(20 * np.log10(255) - 10 * np.log10(err))
        # uint8 input: scikit-image takes the data range 255 from the dtype
        out['ssim'].append(
            structural_similarity(fake, real, win_size=7, channel_axis=-1))
    return {k: np.array(v) for k, v in out.items()}


def test_quantisation_truncates_like_numpy_uint8():
    x = np.array([-0.2, 0.0, 0.4, 0.999, 1.0, 1.7])
    np.testing.assert_array_equal(quantize_like_authors(x),
                                  [0, 0, 102, 254, 255, 255])


def test_known_values_differ_from_ours_as_documented():
    gt = np.ones((2, 1, 8, 8))
    pred = np.ones((2, 1, 8, 8))
    pred[0] = 1.5  # clipped away by the authors, costs in ours
    pred[1] = 0.9999  # truncates to 254: 1 grey level off everywhere
    ours = VideoPredictionMetric(with_copy_last=False)
    authors = VideoPredictionMetric(with_copy_last=False,
                                    authors_convention=True)
    clip = dict(pred=pred, gt=gt, inputs=gt[:1])
    for metric in (ours, authors):
        metric.process({}, [clip])
    ours, authors = (m.compute_metrics(m.results) for m in (ours, authors))
    assert ours['mse_per_step'] == pytest.approx([64 * 0.25, 64 * 1e-8])
    assert authors['mse_per_step'] == pytest.approx([0.0, 64 * 1e-8])
    # authors: frame 0 perfect (capped at 100 dB), frame 1 exactly one level
    assert authors['psnr_per_step'] == pytest.approx(
        [100.0, 20 * np.log10(255)])
    assert ours['psnr_per_step'] == pytest.approx([100.0, 80.0])


@pytest.mark.parametrize('channels', [1, 3])
def test_matches_the_authors_formulas(channels):
    rng = np.random.default_rng(channels)
    gt = rng.random((4, channels, 16, 12)).astype(np.float32)
    pred = (gt + 0.3 * rng.standard_normal(gt.shape)).astype(np.float32)
    got = authors_clip_frame_metrics(pred.astype(np.float64),
                                     gt.astype(np.float64))
    ref = authors_reference(pred.astype(np.float64), gt.astype(np.float64))
    for key, value in ref.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-10, err_msg=key)
    # MAE: the clipped analogue
    np.testing.assert_allclose(
        got['mae'],
        np.abs(np.clip(pred, 0, 1) - gt).astype(np.float64).sum((1, 2, 3)),
        rtol=1e-5)


def test_next_to_the_default_metric_with_a_prefix():
    gen = torch.Generator().manual_seed(0)
    clips = []
    for _ in range(3):
        gt = torch.rand(3, 1, 16, 16, generator=gen)
        clips.append(
            dict(pred=gt + 0.2 * torch.randn(3, 1, 16, 16, generator=gen),
                 gt=gt, inputs=torch.rand(2, 1, 16, 16, generator=gen)))
    alone = VideoPredictionMetric()
    alone.process({}, clips)
    expected = alone.compute_metrics(alone.results)
    with DefaultScope.overwrite_default_scope('predrnn'):  # as in a Runner
        evaluator = Evaluator([
            dict(type='VideoPredictionMetric'),
            dict(type='VideoPredictionMetric', authors_convention=True,
                 prefix='authors')
        ])
    evaluator.process(clips)
    metrics = evaluator.evaluate(len(clips))
    for key, value in expected.items():  # default keys unchanged
        assert metrics[key] == value
    authors = {k[len('authors/'):]: v for k, v in metrics.items()
               if k.startswith('authors/')}
    assert set(authors) == set(expected)
    ref = [authors_reference(c['pred'].double().numpy(),
                             c['gt'].double().numpy()) for c in clips]
    for name in ('mse', 'psnr', 'ssim'):
        np.testing.assert_allclose(
            authors[name], np.mean([r[name] for r in ref]), rtol=1e-10)


def test_refuses_mean_std_data():
    metric = VideoPredictionMetric(authors_convention=True)
    with pytest.raises(ValueError, match="'range' or 'minmax'"):
        metric.dataset_meta = dict(normalization=dict(
            kind='meanstd', scale=[2.0], offset=[1.0]))


def test_ssim_data_range_is_not_silently_ignored():
    with pytest.raises(ValueError, match='ssim_data_range has no effect'):
        VideoPredictionMetric(authors_convention=True, ssim_data_range=2.0)

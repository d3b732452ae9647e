"""Batched torch metrics against scikit-image, the reference, frame by frame.
"""
import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

import predrnn.evaluation.video_prediction_metric as vpm
from predrnn.evaluation import (VideoPredictionMetric,
                                authors_clip_frame_metrics, frame_mae,
                                frame_mse, frame_psnr, frame_ssim,
                                threshold_counts)


def skimage_ssim(pred: np.ndarray, gt: np.ndarray, data_range) -> np.ndarray:
    """scikit-image per frame of (..., C, H, W) clips, shape (...)."""
    lead = pred.shape[:-3]
    pred = pred.reshape((-1, ) + pred.shape[-3:])
    gt = gt.reshape((-1, ) + gt.shape[-3:])
    out = []
    for p, g in zip(pred, gt):
        if p.shape[0] == 1:
            out.append(structural_similarity(g[0], p[0], win_size=7,
                                             data_range=data_range))
        else:
            out.append(structural_similarity(
                np.moveaxis(g, 0, -1), np.moveaxis(p, 0, -1), win_size=7,
                data_range=data_range, channel_axis=-1))
    return np.array(out).reshape(lead)


def random_clips(shape, seed=0):
    gen = torch.Generator().manual_seed(seed)
    gt = torch.rand(shape, generator=gen, dtype=torch.float64)
    pred = (gt + 0.3 * torch.randn(shape, generator=gen,
                                   dtype=torch.float64)).clamp(0, 1)
    return pred, gt


@pytest.mark.parametrize('shape', [(3, 4, 1, 16, 12), (2, 3, 3, 7, 9),
                                   (1, 2, 2, 64, 64)])
@pytest.mark.parametrize('data_range', [1.0, 2.0])
def test_ssim_of_a_batch_equals_skimage_per_frame(shape, data_range):
    pred, gt = random_clips(shape)
    got = frame_ssim(pred, gt, data_range=data_range)
    assert isinstance(got, torch.Tensor) and got.shape == shape[:2]
    assert got.dtype == torch.float64
    np.testing.assert_allclose(
        got.numpy(), skimage_ssim(pred.numpy(), gt.numpy(), data_range),
        rtol=1e-9)


def test_ssim_of_constant_frames_equals_skimage():
    """Zero variance everywhere: only the stabilising constants remain."""
    gt = torch.zeros(1, 4, 1, 9, 8, dtype=torch.float64)
    gt[0, 1] = 0.5
    gt[0, 2] = 1.0
    pred = torch.full_like(gt, 0.5)
    pred[0, 3] = 0.0  # equal to its ground truth: 1
    got = frame_ssim(pred, gt).numpy()
    np.testing.assert_allclose(
        got, skimage_ssim(pred.numpy(), gt.numpy(), 1.0), rtol=1e-9)
    assert got[0, 1] == pytest.approx(1.0) and got[0, 3] == pytest.approx(1.)


def test_ssim_per_clip_data_range():
    pred, gt = random_clips((2, 3, 1, 10, 10), seed=1)
    ranges = torch.tensor([[1.0], [3.0]], dtype=torch.float64)
    got = frame_ssim(pred, gt, data_range=ranges).numpy()
    for b, r in enumerate((1.0, 3.0)):
        np.testing.assert_allclose(
            got[b], skimage_ssim(pred[b].numpy(), gt[b].numpy(), r),
            rtol=1e-9)


def test_frames_smaller_than_the_window_are_refused_like_skimage():
    pred, gt = random_clips((1, 2, 1, 6, 9))
    with pytest.raises(ValueError, match='win_size exceeds image extent'):
        skimage_ssim(pred.numpy(), gt.numpy(), 1.0)
    with pytest.raises(ValueError, match=r'at least 7 x 7 .* got 6 x 9'):
        frame_ssim(pred, gt)
    metric = VideoPredictionMetric()
    with pytest.raises(ValueError, match='at least 7 x 7'):
        metric.process({}, [dict(pred=pred[0], gt=gt[0], inputs=gt[0])])
    assert metric.results == []


def test_a_broadcast_frame_equals_the_repeated_frame():
    pred, gt = random_clips((2, 4, 3, 12, 11), seed=2)
    last = pred[:, :1]
    repeated = last.expand_as(gt).contiguous()
    for fn in (frame_mse, frame_mae, frame_psnr, frame_ssim):
        np.testing.assert_allclose(fn(last, gt).numpy(),
                                   fn(repeated, gt).numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match='broadcast'):
        frame_mse(gt, last)  # the ground truth never broadcasts


def test_numpy_in_numpy_out_and_batches_equal_clips():
    pred, gt = random_clips((3, 2, 1, 8, 8), seed=3)
    for fn in (frame_mse, frame_mae, frame_psnr, frame_ssim):
        batched = fn(pred, gt).numpy()
        for b in range(3):
            one = fn(pred[b].numpy(), gt[b].numpy())
            assert isinstance(one, np.ndarray) and one.shape == (2, )
            np.testing.assert_allclose(batched[b], one, rtol=1e-12)


def test_authors_uint8_convention_batched_against_skimage_on_uint8():
    gen = torch.Generator().manual_seed(4)
    gt = torch.rand(2, 3, 3, 12, 10, generator=gen, dtype=torch.float64)
    pred = gt + 0.3 * torch.randn(gt.shape, generator=gen,
                                  dtype=torch.float64)
    got = authors_clip_frame_metrics(pred, gt)
    real = np.uint8(gt.numpy() * 255)
    fake = np.uint8(np.clip(pred.numpy(), 0, 1) * 255)
    ssim = [[structural_similarity(np.moveaxis(f, 0, -1),
                                   np.moveaxis(r, 0, -1), win_size=7,
                                   channel_axis=-1)  # range 255 from uint8
             for f, r in zip(fc, rc)] for fc, rc in zip(fake, real)]
    np.testing.assert_allclose(got['ssim'].numpy(), ssim, rtol=1e-9)
    err = (fake.astype(np.float64) - real).reshape(2, 3, -1)
    np.testing.assert_allclose(
        got['psnr'].numpy(),
        20 * np.log10(255) - 10 * np.log10((err**2).mean(-1)), rtol=1e-12)


def test_threshold_counts_of_a_batch_equal_per_clip_counts():
    pred, gt = random_clips((3, 2, 2, 5, 4), seed=5)
    batched = threshold_counts(pred, gt, (0.3, 0.7))
    for b in range(3):
        one = threshold_counts(pred[b].numpy(), gt[b].numpy(), (0.3, 0.7))
        for name, values in one.items():
            np.testing.assert_array_equal(batched[name][b].numpy(), values)
    assert batched['hits'].shape == (3, 2, 2)


def make_samples(num, size=16, channels=1, seed=6):
    gen = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(num):
        gt = torch.rand(4, channels, size, size, generator=gen)
        out.append(dict(pred=gt + 0.2 * torch.randn(gt.shape, generator=gen),
                        gt=gt, inputs=torch.rand(3, channels, size, size,
                                                 generator=gen)))
    return out


@pytest.mark.parametrize('kwargs', [dict(), dict(authors_convention=True),
                                    dict(thresholds=[0.5])])
def test_steps_of_any_size_give_the_same_records(monkeypatch, kwargs):
    """A batch measured in steps of one clip equals one step of all."""
    samples = make_samples(5)
    whole = VideoPredictionMetric(**kwargs)
    whole.process({}, samples)
    monkeypatch.setattr(vpm, 'MAX_VALUES_AT_ONCE_CPU', 1)
    stepwise = VideoPredictionMetric(**kwargs)
    stepwise.process({}, samples)
    assert len(stepwise.results) == len(whole.results) == 5
    for a, b in zip(whole.results, stepwise.results):
        assert a.keys() == b.keys()
        for key in a:
            assert isinstance(b[key], np.ndarray)
            np.testing.assert_allclose(a[key], b[key], rtol=1e-12)


def test_only_per_frame_values_leave_the_device(monkeypatch):
    """Clips are never copied to the host: what ``.cpu()`` sees is the
    batch's (B, measures, T_out) values, once per kind."""
    copied = []
    original = torch.Tensor.cpu

    def spy(self, *args, **kwargs):
        copied.append(tuple(self.shape))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, 'cpu', spy)
    metric = VideoPredictionMetric(thresholds=[0.5])
    metric.process({}, make_samples(3))
    # 4 measures of the model and of the copy-last baseline, (B, 8, T_out);
    # hits, misses, false alarms, correct negatives of both, (B, 8, K, T_out)
    assert copied == [(3, 8, 4), (3, 8, 1, 4)]
    assert len(metric.results) == 3


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_gpu_clips_are_measured_on_the_gpu_like_on_the_cpu():
    samples = make_samples(4, size=32, channels=3)
    on_gpu = [{k: v.cuda() for k, v in s.items()} for s in samples]
    cpu, gpu = VideoPredictionMetric(), VideoPredictionMetric()
    cpu.process({}, samples)
    gpu.process({}, on_gpu)
    a, b = (m.compute_metrics(m.results) for m in (cpu, gpu))
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-9, err_msg=key)


def test_compiled_metric_equals_eager():
    """compile=True (torch.compile of the measures) gives the eager values,
    threshold counts and data units included."""
    from predrnn.evaluation import VideoPredictionMetric
    gen = torch.Generator().manual_seed(3)
    samples = [dict(pred=torch.rand(4, 1, 9, 11, generator=gen),
                    gt=torch.rand(4, 1, 9, 11, generator=gen),
                    inputs=torch.rand(3, 1, 9, 11, generator=gen))
               for _ in range(3)]
    meta = dict(normalization=dict(kind='range', scale=[50.0], offset=[0.0],
                                   data_range=[0, 50]))
    out = []
    for compile in (False, True):
        metric = VideoPredictionMetric(thresholds=[20], compile=compile)
        metric.dataset_meta = meta
        metric.process({}, samples)
        out.append(metric.compute_metrics(metric.results))
    assert out[0].keys() == out[1].keys()
    for key, value in out[0].items():
        np.testing.assert_allclose(out[1][key], value, rtol=1e-9,
                                   err_msg=key)
    with pytest.raises(ValueError, match='compile'):
        VideoPredictionMetric(compile=True, lpips=True)

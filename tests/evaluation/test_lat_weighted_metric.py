"""Latitude-weighted RMSE and ACC on hand-made grids with known answers."""
import numpy as np
import pytest
import torch

from predrnn.evaluation import LatWeightedMetric, latitude_weights

LAT = [-60.0, 0.0, 60.0]  # cos: 0.5, 1, 0.5 -> weights 0.75, 1.5, 0.75
T, C, H, W = 2, 1, 3, 4


def _metric(climatology=None, normalization=None):
    metric = LatWeightedMetric(return_per_step=True)
    meta = dict(latitudes=LAT)
    if climatology is not None:
        meta['climatology'] = climatology.tolist()
    if normalization is not None:
        meta['normalization'] = normalization
    metric.dataset_meta = meta
    return metric


def _score(metric, pred, gt, inputs):
    metric.process(None, [dict(pred=torch.as_tensor(p), gt=torch.as_tensor(g),
                               inputs=torch.as_tensor(i))
                          for p, g, i in zip(pred, gt, inputs)])
    return metric.compute_metrics(metric.results)


def test_weights_are_cosines_with_mean_one():
    np.testing.assert_allclose(latitude_weights(LAT).numpy(),
                               [0.75, 1.5, 0.75], rtol=1e-12)


def test_rmse_of_known_error_fields():
    gt = np.zeros((2, T, C, H, W))
    uniform = gt + 3.0  # error 3 everywhere: RMSE 3 whatever the weights
    equator = gt.copy()
    equator[:, :, :, 1] = 2.0  # error 2 on the equator row only
    equator[1, 1] = 0.0  # second clip, second step: perfect
    inputs = np.zeros((2, 1, C, H, W))
    scores = _score(_metric(), uniform, gt, inputs)
    assert scores['wrmse'] == pytest.approx(3.0)
    scores = _score(_metric(), equator, gt, inputs)
    row = np.sqrt(1.5 * 4 / H)  # sqrt(mean over rows of L_j e_j^2)
    assert scores['wrmse_per_step'] == pytest.approx([row, row / 2])
    assert scores['copy_last/wrmse'] == 0.0


def test_acc_is_one_for_scaled_anomalies_and_minus_one_for_flipped():
    rng = np.random.default_rng(0)
    clim = rng.normal(280, 3, (C, H, W))
    gt = clim + rng.normal(0, 2, (3, T, C, H, W))
    inputs = gt[:, :1]
    assert _score(_metric(clim), clim + 0.5 * (gt - clim), gt,
                  inputs)['wacc'] == pytest.approx(1.0)
    assert _score(_metric(clim), clim - (gt - clim), gt,
                  inputs)['wacc'] == pytest.approx(-1.0)
    assert 'wacc' not in _score(_metric(), gt, gt, inputs)


def test_acc_against_a_loop_over_pixels_in_data_units():
    """Normalised predictions are scored in data units (x * 4 + 270)."""
    rng = np.random.default_rng(1)
    clim = rng.normal(280, 3, (C, H, W))
    gt_u = clim + rng.normal(0, 2, (1, T, C, H, W))
    pred_u = clim + rng.normal(0, 2, (1, T, C, H, W))
    w = [0.75, 1.5, 0.75]
    want = []
    for t in range(T):
        num = a = b = 0.0
        for j in range(H):
            for k in range(W):
                f = pred_u[0, t, 0, j, k] - clim[0, j, k]
                o = gt_u[0, t, 0, j, k] - clim[0, j, k]
                num, a, b = num + w[j] * f * o, a + w[j] * f * f, \
                    b + w[j] * o * o
        want.append(num / np.sqrt(a * b))
    norm = dict(kind='meanstd', scale=[4.0], offset=[270.0])
    scores = _score(_metric(clim, norm), (pred_u - 270) / 4,
                    (gt_u - 270) / 4, (gt_u[:, :1] - 270) / 4)
    assert scores['wacc_per_step'] == pytest.approx(want, rel=1e-9)


def test_a_dataset_without_latitudes_is_refused():
    with pytest.raises(ValueError, match="'latitudes'"):
        LatWeightedMetric().dataset_meta = dict(normalization=None)

"""Changing-pixel errors against values computed by hand."""
import math

import pytest
import torch

from predrnn.evaluation.changing_pixels import (changing_pixel_errors,
                                                changing_pixel_means)


def small_case():
    # one clip, 2 forecast steps, 1 channel, 1x3 frames
    last = torch.tensor([[[[10., 10., 10.]]]])  # (B, C, H, W)
    truth = torch.tensor([[[[[10., 14., 30.]]],   # step 1: values 2, 3 change
                           [[[11., 10., 10.]]]]])  # step 2: none by > 2
    pred = torch.tensor([[[[[12., 13., 20.]]],
                          [[[11., 10., 40.]]]]])
    return pred, truth, last


def test_sums_by_hand():
    pred, truth, last = small_case()
    out = changing_pixel_errors(pred, truth, last, threshold=2)
    # step 1 changing values: 14 (|14-10|=4 > 2) and 30; 10 does not change
    assert out['count'].tolist() == [2, 0]
    assert out['sse'].tolist() == [(13 - 14)**2 + (20 - 30)**2, 0]
    assert out['sae'].tolist() == [1 + 10, 0]
    assert out['copy_last_sse'].tolist() == [4**2 + 20**2, 0]
    assert out['copy_last_sae'].tolist() == [4 + 20, 0]


def test_threshold_is_strict_and_in_data_units():
    pred, truth, last = small_case()
    assert changing_pixel_errors(pred, truth, last, 4)['count'].tolist() \
        == [1, 0]  # |14-10| = 4 is not > 4
    assert changing_pixel_errors(pred, truth, last, 0)['count'].tolist() \
        == [2, 1]


def test_batches_add_up_and_means():
    pred, truth, last = small_case()
    both = changing_pixel_errors(torch.cat([pred, pred + 1]),
                                 torch.cat([truth, truth]),
                                 torch.cat([last, last]), 2)
    first = changing_pixel_errors(pred, truth, last, 2)
    second = changing_pixel_errors(pred + 1, truth, last, 2)
    for key in both:
        assert torch.equal(both[key], first[key] + second[key])
    means = changing_pixel_means(first)
    assert means['mse'][0] == pytest.approx(101 / 2)
    assert means['mae'][0] == pytest.approx(11 / 2)
    assert means['copy_last_mse'][0] == pytest.approx(416 / 2)
    assert means['copy_last_mae'][0] == pytest.approx(12)
    assert math.isnan(means['mse'][1])


def test_copy_last_forecast_ties_copy_last():
    torch.manual_seed(0)
    truth = torch.rand(3, 4, 2, 5, 6) * 255
    last = torch.rand(3, 2, 5, 6) * 255
    pred = last[:, None].expand_as(truth)
    out = changing_pixel_errors(pred, truth, last, 10)
    assert torch.equal(out['sse'], out['copy_last_sse'])
    assert (out['count'] > 0).all()


def test_bad_shapes_and_threshold_are_named():
    pred, truth, last = small_case()
    with pytest.raises(ValueError, match='last_observed'):
        changing_pixel_errors(pred, truth, last[0], 1)
    with pytest.raises(ValueError, match='pred and truth'):
        changing_pixel_errors(pred[:, :1], truth, last, 1)
    with pytest.raises(ValueError, match='threshold'):
        changing_pixel_errors(pred, truth, last, -1)

"""CSI, POD and FAR on hand-made frames with known hits, misses, false alarms.
"""
import numpy as np
import pytest

from predrnn.evaluation import (VideoPredictionMetric, threshold_counts,
                                threshold_scores)


def test_counts_on_hand_made_frames():
    gt = np.zeros((2, 1, 2, 4))
    pred = np.zeros((2, 1, 2, 4))
    # frame 0 at threshold 10: 3 hits, 2 misses, 1 false alarm
    gt[0, 0, 0, :3] = pred[0, 0, 0, :3] = 10.0  # exactly at t: events
    gt[0, 0, 1, :2] = 30.0
    pred[0, 0, 1, 3] = 12.0
    # frame 1: a miss and a false alarm at 10, a hit at 10 and at 25
    gt[1, 0, 0, 0], pred[1, 0, 1, 1] = 11.0, 11.0
    gt[1, 0, 1, 3], pred[1, 0, 1, 3] = 26.0, 40.0
    counts = threshold_counts(pred, gt, (10.0, 25.0))
    np.testing.assert_array_equal(counts['hits'], [[3, 1], [0, 1]])
    np.testing.assert_array_equal(counts['misses'], [[2, 1], [2, 0]])
    np.testing.assert_array_equal(counts['false_alarms'], [[1, 1], [0, 0]])
    assert counts['hits'].dtype == np.int64


def test_scores_and_undefined_ratios():
    s = threshold_scores(np.array([3, 0]), np.array([2, 0]), np.array([1, 4]),
                         np.array([94, 96]))
    np.testing.assert_allclose(s['csi'], [3 / 6, 0.0])
    np.testing.assert_allclose(s['pod'][:1], [3 / 5])
    assert np.isnan(s['pod'][1])  # no observed event: POD undefined
    np.testing.assert_allclose(s['far'], [1 / 4, 1.0])
    none = threshold_scores(np.array(0), np.array(0), np.array(0),
                            np.array(100))
    assert all(np.isnan(v) for v in none.values())


def _clip(pred, gt, last):
    """Frames of 4 given values in the first row of 8 x 8 zeros (no events
    elsewhere; SSIM needs 7 x 7)."""
    def frames(rows):
        rows = np.asarray(rows, float)
        out = np.zeros((len(rows), 1, 8, 8))
        out[:, 0, 0, :4] = rows
        return out
    return dict(pred=frames(pred), gt=frames(gt), inputs=frames([last]))


def _metric(**kwargs):
    """Frames in [0, 1] normalised from [0, 50] mm/h: 20 mm/h is 0.4."""
    metric = VideoPredictionMetric(thresholds=[20], **kwargs)
    metric.dataset_meta = dict(normalization=dict(
        kind='range', scale=[50.0], offset=[0.0], units='mm/h',
        data_range=[0, 50]))
    return metric


# Two clips of 2 frames x 4 pixels (normalised); at 20 mm/h (0.4):
# clip A, frame 0: 4 hits;           frame 1: 0 hits, 1 miss
# clip B, frame 0: 1 hit, 1 f.alarm; frame 1: 0 hits, 1 miss, 2 f.alarms
CLIPS = [
    _clip([[.5, .5, .5, .5], [0, 0, 0, 0]], [[.9, .4, .6, .5], [0, .8, 0, 0]],
          [.5, .5, 0, 0]),
    _clip([[.5, .5, 0, 0], [.6, .6, 0, 0]], [[.7, 0, 0, 0], [0, 0, 0, .9]],
          [0, 0, 0, 0]),
]


def test_scores_are_ratios_of_counts_over_the_whole_set():
    metric = _metric()
    metric.process({}, CLIPS)
    m = metric.compute_metrics(metric.results)
    hits, misses, false_alarms = 5, 2, 3
    assert m['csi_20'] == pytest.approx(hits / (hits + misses + false_alarms))
    assert m['pod_20'] == pytest.approx(hits / (hits + misses))
    assert m['far_20'] == pytest.approx(false_alarms / (hits + false_alarms))
    # not the mean of per-frame CSIs (1, 0, 1/2, 0 -> 0.375)
    assert m['csi_20'] != pytest.approx(0.375)
    # per step: counts of both clips at that step
    assert m['csi_20_per_step'] == pytest.approx([5 / 6, 0 / 4])
    assert m['pod_20_per_step'] == pytest.approx([1.0, 0.0])
    assert m['far_20_per_step'] == pytest.approx([1 / 6, 1.0])
    # persistence: A repeats [.5 .5 0 0]: frame 0 2 hits, 2 misses; frame 1
    # 1 hit, 1 false alarm. B repeats an empty frame: 1 miss per frame.
    assert m['copy_last/csi_20'] == pytest.approx(3 / (3 + 4 + 1))
    assert m['copy_last/far_20'] == pytest.approx(1 / 4)


def test_thresholds_without_units_are_in_frame_values():
    metric = VideoPredictionMetric(thresholds=0.4, with_copy_last=False,
                                   return_per_step=False)
    metric.process({}, CLIPS)
    m = metric.compute_metrics(metric.results)
    assert list(m) == ['mse', 'mae', 'psnr', 'ssim', 'csi_0.4', 'pod_0.4',
                       'far_0.4', 'bias_0.4', 'hss_0.4', 'ets_0.4',
                       'events_0.4']
    assert m['csi_0.4'] == pytest.approx(5 / 10)


def test_no_event_gives_nan_not_a_perfect_score():
    metric = VideoPredictionMetric(thresholds=[0.95], with_copy_last=False)
    metric.process({}, CLIPS)
    m = metric.compute_metrics(metric.results)
    assert np.isnan(m['csi_0.95']) and np.isnan(m['pod_0.95'])


@pytest.mark.parametrize('bad', [[1, 1], [float('nan')], ['a'], '20',
                                 [None]])
def test_bad_thresholds_are_named(bad):
    # a string is refused, not read character by character as [2.0, 0.0]
    with pytest.raises(ValueError, match=r'thresholds must be .* e\.g\. '):
        VideoPredictionMetric(thresholds=bad)


def test_keys_of_close_large_thresholds_stay_distinct():
    metric = VideoPredictionMetric(thresholds=[1234567, 1234568, 20, 0.4],
                                   with_copy_last=False,
                                   return_per_step=False)
    metric.process({}, CLIPS)
    keys = [k for k in metric.compute_metrics(metric.results)
            if k.startswith('csi_')]
    assert keys == ['csi_1234567', 'csi_1234568', 'csi_20', 'csi_0.4']


def test_bias_hss_ets_of_a_hand_made_table():
    """a=50 hits, b=20 false alarms, c=30 misses, d=900 correct negatives
    (n=1000): the textbook scores written out."""
    s = threshold_scores(np.array(50), np.array(30), np.array(20),
                         np.array(900))
    assert s['bias'] == pytest.approx(70 / 80)
    # HSS = 2(ad - bc) / ((a + c)(c + d) + (a + b)(b + d))
    assert s['hss'] == pytest.approx(
        2 * (50 * 900 - 20 * 30) / (80 * 930 + 70 * 920))
    # ETS: random hits a_r = (a + b)(a + c) / n = 70 * 80 / 1000 = 5.6
    assert s['ets'] == pytest.approx((50 - 5.6) / (50 + 20 + 30 - 5.6))
    # a perfect forecast: HSS and ETS 1, bias 1
    p = threshold_scores(np.array(10), np.array(0), np.array(0),
                         np.array(90))
    assert p['hss'] == p['ets'] == p['bias'] == pytest.approx(1.0)
    # forecasting the climatology at random scores 0: a_r equals a
    r = threshold_scores(np.array(1), np.array(9), np.array(9),
                         np.array(81))
    assert r['ets'] == pytest.approx(0.0) and r['hss'] == pytest.approx(0.0)


def test_counts_include_correct_negatives_and_pool_by_block_maxima():
    gt = np.zeros((1, 1, 8, 8))
    pred = np.zeros((1, 1, 8, 8))
    gt[0, 0, 1, 1] = 1.0  # one event
    pred[0, 0, 2, 3] = 1.0  # forecast two pixels off: a miss and a false
    counts = threshold_counts(pred, gt, (0.5, ))  # alarm at full scale
    assert [int(counts[n][0, 0]) for n in (
        'hits', 'misses', 'false_alarms', 'correct_negatives')] == \
        [0, 1, 1, 62]
    # max-pooled over 4 x 4 blocks both fall in the top-left block: a hit
    pooled = threshold_counts(pred, gt, (0.5, ), pool=4)
    assert [int(pooled[n][0, 0]) for n in (
        'hits', 'misses', 'false_alarms', 'correct_negatives')] == \
        [1, 0, 0, 3]


def test_pooled_scores_and_event_counts_are_reported():
    metric = VideoPredictionMetric(thresholds=0.4, pool_sizes=[1, 4],
                                   with_copy_last=False,
                                   return_per_step=False)
    metric.process({}, CLIPS)
    m = metric.compute_metrics(metric.results)
    assert 'csi_0.4_pool4' in m and 'ets_0.4_pool4' in m
    assert m['csi_0.4_pool4'] >= m['csi_0.4']  # pooling forgives offsets
    assert m['events_0.4'] >= m['events_0.4_pool4'] > 0
    with pytest.raises(ValueError, match='pool_sizes'):
        VideoPredictionMetric(thresholds=[1], pool_sizes=[0])

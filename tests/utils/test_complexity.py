"""FLOPs / parameter report (fvcore) against hand counts and the published
numbers of the Moving MNIST PredRNN-V2 model (docs/en/model.md)."""
import os.path as osp

import pytest

from predrnn.registry import MODELS
from predrnn.utils.complexity import count_complexity

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def hand_count(layers, hidden, in_ch, k, h, w, steps, decouple):
    """MACs of docs/en/model.md written out: every conv is H*W*Cout*Cin*k*k."""
    per_layer = lambda cin: h * w * k * k * (  # noqa: E731
        7 * hidden * cin + 4 * hidden * hidden + 3 * hidden * hidden +
        hidden * 2 * hidden) + h * w * hidden * 2 * hidden
    per_step = per_layer(in_ch) + (layers - 1) * per_layer(hidden)
    per_step += h * w * in_ch * hidden  # conv_last of the network
    if decouple:
        per_step += layers * 2 * h * w * hidden * hidden  # adapter on dC, dM
    return steps * per_step


@pytest.mark.parametrize('v2', [True, False])
def test_tiny_model_matches_hand_count(v2):
    model = MODELS.build(dict(
        type='PredRNNv2' if v2 else 'PredRNN', in_frames=3, out_frames=2,
        num_layers=2, num_hidden=8, kernel_size=3,
        data_preprocessor=dict(type='VideoDataPreprocessor', patch_size=2)))
    result = count_complexity(model, (5, 1, 8, 12))
    expected = hand_count(2, 8, 4, 3, 4, 6, steps=4, decouple=v2)
    assert result['flops'] == expected
    # executed at inference: no adapter, and at step 0 (all states zero) no
    # conv_h in any layer and no conv_m in layer 0
    skipped = 4 * 6 * 3 * 3 * (2 * 4 * 8 * 8 + 3 * 8 * 8)
    assert result['flops_inference'] == hand_count(
        2, 8, 4, 3, 4, 6, 4, False) - skipped
    assert result['params'] == sum(p.numel() for p in model.parameters())
    assert 'cell_list' in result['table']


def test_paper_config_reports_published_numbers():
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, 'configs/mmnist/predrnnv2.py'))
    result = count_complexity(MODELS.build(cfg.model), (20, 1, 64, 64))
    assert round(result['flops'] / 1e9, 1) == 116.6
    assert result['params'] == 23_855_104
    assert round(result['params'] / 1e6, 2) == 23.86


def test_wrong_shape_is_refused():
    model = MODELS.build(dict(type='PredRNNv2', num_layers=1, num_hidden=4,
                              kernel_size=3, in_frames=2, out_frames=1))
    with pytest.raises(ValueError, match='expects T = 3'):
        count_complexity(model, (20, 1, 64, 64))

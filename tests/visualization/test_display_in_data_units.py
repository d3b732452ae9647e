"""VideoVisualizationHook shows users' data in data units: the training
data_range maps to black..white, whatever the normalisation."""
from types import SimpleNamespace

import torch

from predrnn.models import VideoDataPreprocessor
from predrnn.visualization.video_visualization_hook import \
    VideoVisualizationHook


def test_meanstd_frames_shown_over_the_training_range():
    pre = VideoDataPreprocessor(patch_size=1)
    pre.set_normalization(dict(kind='meanstd', scale=[2.0, 4.0],
                               offset=[10.0, 20.0], units='K',
                               data_range=[0.0, 40.0]))
    runner = SimpleNamespace(model=SimpleNamespace(data_preprocessor=pre))
    frames = torch.randn(3, 2, 4, 5)
    sample = dict(inputs=frames, gt=frames, pred=frames)
    shown = VideoVisualizationHook._in_display_range(runner, sample)
    data = frames * torch.tensor([2.0, 4.0]).view(1, 2, 1, 1) + \
        torch.tensor([10.0, 20.0]).view(1, 2, 1, 1)
    for key in ('inputs', 'gt', 'pred'):
        torch.testing.assert_close(shown[key], data / 40.0)


def test_no_normalisation_leaves_frames_alone():
    runner = SimpleNamespace(model=SimpleNamespace(
        data_preprocessor=VideoDataPreprocessor()))
    sample = dict(inputs=torch.rand(2, 1, 4, 4), gt=None, pred=None)
    assert VideoVisualizationHook._in_display_range(runner, sample) is sample

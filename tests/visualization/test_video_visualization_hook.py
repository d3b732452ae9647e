"""VideoVisualizationHook in a tiny Runner and with a hand-built runner."""
import os
import os.path as osp
from types import SimpleNamespace

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.visualization import Visualizer

import predrnn.visualization.video_visualization_hook as hook_module
from predrnn.registry import HOOKS, VISUALIZERS
from predrnn.visualization import VideoVisualizationHook, VideoVisualizer

T_IN, T_OUT, SIZE, SEP = 3, 2, 8, 2
STRIP_SHAPE = (3 * SIZE + 2 * SEP, 3 * SIZE + 2 * SEP, 3)
GIF_SHAPE = (SIZE, 2 * SIZE + SEP)


class ShiftModel(BaseModel):
    """Predicts the last input frame, brightened (so pred != gt)."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        clip = inputs.float() / 255.0
        x, y = clip[:, :T_IN], clip[:, T_IN:]
        pred = x[:, -1:].expand_as(y) + 0.2 + self.dummy
        return [dict(pred=p, gt=g, inputs=i) for p, g, i in zip(pred, y, x)]


def make_loader(num: int = 5) -> dict:
    gen = torch.Generator().manual_seed(0)
    dataset = [
        dict(
            inputs=torch.randint(
                0, 256, (T_IN + T_OUT, 1, SIZE, SIZE), generator=gen,
                dtype=torch.uint8)) for _ in range(num)
    ]
    return dict(
        dataset=dataset,
        batch_size=2,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'))


def build_runner(tmp_path, hook_cfg: dict) -> Runner:
    return Runner(
        model=ShiftModel(),
        work_dir=str(tmp_path),
        experiment_name=f'vis_hook_{tmp_path.name}',
        default_scope='predrnn',
        val_dataloader=make_loader(),
        val_cfg=dict(),
        val_evaluator=dict(type='VideoPredictionMetric'),
        test_dataloader=make_loader(),
        test_cfg=dict(),
        test_evaluator=dict(type='VideoPredictionMetric'),
        custom_hooks=[hook_cfg],
        visualizer=dict(
            type='VideoVisualizer',
            sep_width=SEP,
            labelled=False,  # the paper's bare strip (sizes above)
            vis_backends=[dict(type='LocalVisBackend')]))


def check_png(path: str) -> np.ndarray:
    image = cv2.imread(path)
    assert image is not None, path
    assert image.shape == STRIP_SHAPE
    return image


def check_gif(path: str) -> None:
    frames = iio.imread(path, index=None)
    assert frames.shape[0] == T_IN + T_OUT
    assert frames.shape[1:3] == GIF_SHAPE


def test_val_writes_strips_through_visualizer_and_gifs(tmp_path):
    runner = build_runner(
        tmp_path, dict(type='VideoVisualizationHook', num_clips=3))
    assert isinstance(runner.visualizer, VideoVisualizer)
    runner.val()
    image_dir = osp.join(runner.log_dir, 'vis_data', 'vis_image')
    gif_dir = osp.join(runner.log_dir, 'vis_data', 'vis_gif')
    assert sorted(os.listdir(image_dir)) == [
        f'val_clip_{i:05d}_0.png' for i in range(3)
    ]
    assert sorted(os.listdir(gif_dir)) == [
        f'val_clip_{i:05d}_0.gif' for i in range(3)
    ]
    # the first input frame of clip 0 is the top-left frame of its strip
    strip = check_png(osp.join(image_dir, 'val_clip_00000_0.png'))
    first = runner.val_dataloader.dataset[0]['inputs'][0, 0].numpy()
    np.testing.assert_array_equal(strip[:SIZE, :SIZE, 1], first)
    for name in os.listdir(gif_dir):
        check_gif(osp.join(gif_dir, name))


def test_test_with_out_dir(tmp_path):
    runner = build_runner(
        tmp_path,
        dict(type='VideoVisualizationHook', num_clips=2, out_dir='show'))
    runner.test()
    show_dir = osp.join(runner.log_dir, 'show')
    assert sorted(os.listdir(show_dir)) == [
        'test_clip_00000.gif', 'test_clip_00000.png', 'test_clip_00001.gif',
        'test_clip_00001.png'
    ]
    check_png(osp.join(show_dir, 'test_clip_00001.png'))
    check_gif(osp.join(show_dir, 'test_clip_00001.gif'))
    image_dir = osp.join(runner.log_dir, 'vis_data', 'vis_image')
    assert sorted(os.listdir(image_dir)) == [
        'test_clip_00000_0.png', 'test_clip_00001_0.png'
    ]


def make_outputs(num: int) -> list:
    rng = np.random.default_rng(0)
    return [
        dict(
            pred=torch.from_numpy(rng.random((T_OUT, 1, SIZE, SIZE))),
            gt=torch.from_numpy(rng.random((T_OUT, 1, SIZE, SIZE))),
            inputs=torch.from_numpy(rng.random((T_IN, 1, SIZE, SIZE))))
        for _ in range(num)
    ]


def fake_runner(tmp_path, visualizer) -> SimpleNamespace:
    return SimpleNamespace(
        log_dir=str(tmp_path), visualizer=visualizer, _train_loop=None)


@pytest.mark.parametrize('rank', [0, 1])
def test_distributed_only_rank0_writes(tmp_path, monkeypatch, rank):
    monkeypatch.setattr(hook_module, 'get_dist_info', lambda: (rank, 2))
    visualizer = VISUALIZERS.build(
        dict(
            type='VideoVisualizer',
            name=f'dist_{rank}_{tmp_path.name}',
            sep_width=SEP,
            save_dir=str(tmp_path),
            vis_backends=[dict(type='LocalVisBackend')]))
    runner = fake_runner(tmp_path, visualizer)
    hook = HOOKS.build(
        dict(type='VideoVisualizationHook', num_clips=3, out_dir='show'))
    hook.before_test_epoch(runner)
    for batch_idx in range(3):
        hook.after_test_iter(runner, batch_idx, {}, make_outputs(2))
    show_dir = osp.join(str(tmp_path), 'show')
    if rank:
        assert not osp.exists(show_dir)
        return
    # rank 0 of 2 sees dataset clips 0, 2, 4, ...
    assert sorted(os.listdir(show_dir)) == sorted(
        f'test_clip_{i:05d}.{ext}' for i in (0, 2, 4)
        for ext in ('png', 'gif'))


def test_interval_and_plain_visualizer(tmp_path):
    visualizer = Visualizer(
        name=f'plain_{tmp_path.name}',
        save_dir=str(tmp_path),
        vis_backends=[dict(type='LocalVisBackend')])
    runner = fake_runner(tmp_path, visualizer)
    hook = VideoVisualizationHook(num_clips=1, interval=2, save_gif=False)
    image_dir = osp.join(str(tmp_path), 'vis_data', 'vis_image')
    hook.before_val_epoch(runner)  # first validation: skipped
    hook.after_val_iter(runner, 0, {}, make_outputs(2))
    assert not osp.exists(image_dir)
    hook.before_val_epoch(runner)  # second validation: drawn
    hook.after_val_iter(runner, 0, {}, make_outputs(2))
    assert os.listdir(image_dir) == ['val_clip_00000_0.png']
    # default separators of the plain path are 2 pixels as well
    check_png(osp.join(image_dir, 'val_clip_00000_0.png'))
    assert not osp.exists(osp.join(str(tmp_path), 'vis_data', 'vis_gif'))


def test_tensorboard_backend_receives_strips(tmp_path):
    pytest.importorskip('tensorboard')
    visualizer = VideoVisualizer(
        name=f'tb_{tmp_path.name}',
        save_dir=str(tmp_path),
        vis_backends=[dict(type='TensorboardVisBackend')])
    visualizer.add_datasample(
        'val_clip_00000', data_sample=make_outputs(1)[0], step=3)
    visualizer.close()
    tb_dir = osp.join(str(tmp_path), 'vis_data')
    events = [f for f in os.listdir(tb_dir) if f.startswith('events.out')]
    assert events and osp.getsize(osp.join(tb_dir, events[0])) > 0


def test_the_default_visualizer_draws_the_labelled_strip(tmp_path):
    """Rows observed / truth / forecast / error, frames enlarged to 64 px."""
    from predrnn.visualization.labelled_strip import LABEL_WIDTH
    visualizer = VideoVisualizer(name=f'labelled_{tmp_path.name}')
    strip = visualizer.draw_video_strip(make_outputs(1)[0])
    side = 64  # 8 px frames enlarged 8 times
    assert strip.shape == (4 * side + 3 * SEP,
                           LABEL_WIDTH + 3 * (side + SEP) - SEP, 3)

"""Save strips and GIFs of the first clips during validation and test."""
import os.path as osp
from typing import Any, Mapping, Optional, Sequence

from mmengine.dist import get_dist_info
from mmengine.hooks import Hook

from predrnn.registry import HOOKS
from .clip_rendering import draw_gif_frames, draw_video_strip
from .image_io import write_gif, write_png
from .video_visualizer import VideoVisualizer


@HOOKS.register_module()
class VideoVisualizationHook(Hook):
    """Draw the first ``num_clips`` clips of validation and test.

    For each drawn clip it logs the paper-style strip (inputs, ground truth,
    prediction) through ``runner.visualizer.add_image`` under the name
    ``'<mode>_clip_<index>'`` (``mode`` is ``'val'`` or ``'test'``, index
    zero-padded to 5 digits), so the local backend writes
    ``<log_dir>/vis_data/vis_image/<name>_<step>.png`` and TensorBoard shows
    it; the step is the training iteration during validation and 0 in test.
    It also writes a ground-truth-beside-prediction GIF, to ``out_dir`` if
    given, else to ``<log_dir>/vis_data/vis_gif/``. With ``out_dir``
    (``tools/test.py --show-dir``) the strips are also written there as PNG.
    Files are named ``<name>.png/.gif`` in test and ``<name>_<step>.png/.gif``
    in validation.

    When ``runner.visualizer`` is a :class:`VideoVisualizer` its settings
    (separators, scale, GIF rate) are used; any other mmengine Visualizer
    works with the defaults.

    Clips are chosen deterministically: the first ``num_clips`` that rank 0
    evaluates, and only rank 0 writes. With one process these are dataset
    clips ``0 .. num_clips - 1``; with ``W`` processes and mmengine's
    ``DefaultSampler(shuffle=False)`` (which deals clips round-robin) rank 0
    sees clips ``0, W, 2W, ...``, and files are named by that dataset index.

    Args:
        num_clips (int): Clips drawn per validation or test run. Defaults to
            4.
        interval (int): Draw during every ``interval``-th validation run
            (test runs always draw). Defaults to 1.
        out_dir (str, optional): Folder for PNG strips and GIFs; relative
            paths are taken under ``runner.log_dir``
            (``<work_dir>/<timestamp>``). Defaults to None.
        save_gif (bool): Write GIFs. Defaults to True.
        draw_val (bool): Draw during validation. Defaults to True.
        draw_test (bool): Draw during test. Defaults to True.
    """

    priority = 'NORMAL'

    def __init__(self,
                 num_clips: int = 4,
                 interval: int = 1,
                 out_dir: Optional[str] = None,
                 save_gif: bool = True,
                 draw_val: bool = True,
                 draw_test: bool = True) -> None:
        if num_clips < 0:
            raise ValueError(f'num_clips must be >= 0, got {num_clips}')
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.num_clips = num_clips
        self.interval = interval
        self.out_dir = out_dir
        self.save_gif = save_gif
        self.draw_val = draw_val
        self.draw_test = draw_test
        self._val_runs = 0
        self._seen = 0
        self._active = False

    def before_val_epoch(self, runner: Any) -> None:
        """Decide whether this validation run draws; reset the clip count."""
        self._val_runs += 1
        self._seen = 0
        self._active = self.draw_val and self._val_runs % self.interval == 0

    def before_test_epoch(self, runner: Any) -> None:
        """Reset the clip count of a test run."""
        self._seen = 0
        self._active = self.draw_test

    def after_val_iter(self,
                       runner: Any,
                       batch_idx: int,
                       data_batch: Any = None,
                       outputs: Optional[Sequence[Mapping]] = None) -> None:
        """Draw the clips of a validation batch that are among the first."""
        self._draw_batch(runner, outputs, 'val')

    def after_test_iter(self,
                        runner: Any,
                        batch_idx: int,
                        data_batch: Any = None,
                        outputs: Optional[Sequence[Mapping]] = None) -> None:
        """Draw the clips of a test batch that are among the first."""
        self._draw_batch(runner, outputs, 'test')

    @staticmethod
    def _step(runner: Any, mode: str) -> int:
        """Training iteration during validation in training, else 0."""
        train_loop = getattr(runner, '_train_loop', None)
        if mode == 'test' or train_loop is None or isinstance(
                train_loop, dict):
            return 0
        return runner.iter

    def _draw_batch(self, runner: Any, outputs: Optional[Sequence[Mapping]],
                    mode: str) -> None:
        """Draw and save the first clips of a batch's predict outputs."""
        if not self._active or not outputs or self._seen >= self.num_clips:
            return
        rank, world_size = get_dist_info()
        step = self._step(runner, mode)
        for sample in outputs:
            if self._seen >= self.num_clips:
                break
            index = self._seen * world_size + rank
            self._seen += 1
            if rank == 0:
                self._draw_clip(runner, sample, mode, index, step)

    @staticmethod
    def _in_display_range(runner: Any, sample: Mapping) -> Mapping:
        """With a declared normalisation (users' data), show the frames in
        data units, the training ``data_range`` mapped to black..white
        (mean/std-normalised frames would otherwise be clipped to [0, 1]).
        """
        model = getattr(runner, 'model', None)
        pre = getattr(getattr(model, 'module', model), 'data_preprocessor',
                      None)
        norm = getattr(pre, 'normalization', None)
        if not norm or not norm.get('data_range'):
            return sample
        lo, hi = norm['data_range']
        out = dict(sample)
        for key in ('inputs', 'gt', 'pred'):
            frames = sample[key]
            data = pre.denormalize(frames[None])[0]
            out[key] = (data - lo) / (hi - lo)
        return out

    def _draw_clip(self, runner: Any, sample: Mapping, mode: str, index: int,
                   step: int) -> None:
        """Log one clip's strip and write its files."""
        sample = self._in_display_range(runner, sample)
        name = f'{mode}_clip_{index:05d}'
        stem = name if mode == 'test' else f'{name}_{step}'
        out_dir = (
            osp.join(runner.log_dir, self.out_dir)
            if self.out_dir is not None else None)
        gif_dir = out_dir or osp.join(runner.log_dir, 'vis_data', 'vis_gif')
        png_file = osp.join(out_dir, stem + '.png') if out_dir else None
        gif_file = osp.join(gif_dir, stem + '.gif') if self.save_gif else None

        visualizer = runner.visualizer
        if isinstance(visualizer, VideoVisualizer):
            visualizer.add_datasample(
                name,
                data_sample=sample,
                step=step,
                out_file=png_file,
                gif_file=gif_file)
            return
        strip = draw_video_strip(sample['inputs'], sample['gt'],
                                 sample['pred'])
        visualizer.add_image(name, strip, step=step)
        if png_file is not None:
            write_png(strip, png_file)
        if gif_file is not None:
            write_gif(
                draw_gif_frames(sample['inputs'], sample['gt'],
                                sample['pred']), gif_file)

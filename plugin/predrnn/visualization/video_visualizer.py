"""A Visualizer that draws video-prediction results."""
import os.path as osp
from typing import Any, List, Mapping, Optional

import numpy as np
from mmengine.dist import master_only
from mmengine.visualization import Visualizer

from predrnn.registry import VISUALIZERS
from .clip_rendering import draw_gif_frames, draw_video_strip
from .labelled_strip import draw_labelled_strip
from .image_io import write_gif, write_png


@VISUALIZERS.register_module()
class VideoVisualizer(Visualizer):
    """mmengine Visualizer for predicted clips.

    It renders one clip (a predict output of the model: ``'inputs'``,
    ``'gt'``, ``'pred'``, each ``(T, C, H, W)``) as a labelled strip (rows
    named, frames enlarged and numbered, an error row: see
    :mod:`~predrnn.visualization.labelled_strip`) or, with
    ``labelled=False``, as the bare three-row strip of the paper's figures,
    and sends it to every vis backend with
    ``add_image`` (the local backend writes ``<save_dir>/vis_data/vis_image/
    <name>_<step>.png``; TensorBoard logs an image). It can also write the
    strip and a ground-truth-beside-prediction GIF to given files.

    Args:
        name (str): Instance name (mmengine's ``ManagerMixin``). Defaults to
            ``'visualizer'``.
        vis_backends (list[dict], optional): Backend configs, e.g.
            ``[dict(type='LocalVisBackend')]``. Defaults to None.
        save_dir (str, optional): Root of the backends' files; the runner
            passes its log dir. Defaults to None.
        sep_width (int): Separator width in pixels. Defaults to 2.
        sep_value (int): Separator grey level (0-255). Defaults to 255.
        scale (int): Integer magnification of frames of the bare strip
            and of GIFs. Defaults to 1.
        labelled (bool): Draw the labelled strip. Defaults to True.
        min_frame_size (int): Shorter frame side, in pixels, the labelled
            strip enlarges frames to (nearest neighbour). Defaults to 64.
        gif_fps (float): Frame rate of GIFs. Defaults to 4.0.
        gif_with_inputs (bool): Play the observed frames before the future
            ones in GIFs. Defaults to True.
        **kwargs: Other arguments of mmengine's ``Visualizer``.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None,
                 sep_width: int = 2,
                 sep_value: int = 255,
                 scale: int = 1,
                 gif_fps: float = 4.0,
                 gif_with_inputs: bool = True,
                 labelled: bool = True,
                 min_frame_size: int = 64,
                 **kwargs: Any) -> None:
        super().__init__(
            name=name, vis_backends=vis_backends, save_dir=save_dir, **kwargs)
        self.vis_data_dir = (
            osp.join(save_dir, 'vis_data') if save_dir is not None else None)
        self.sep_width = sep_width
        self.sep_value = sep_value
        self.scale = scale
        self.gif_fps = gif_fps
        self.gif_with_inputs = gif_with_inputs
        self.labelled, self.min_frame_size = labelled, min_frame_size

    def draw_video_strip(self, data_sample: Mapping[str, Any]) -> np.ndarray:
        """Draw the inputs / ground truth / prediction strip of a clip.

        Args:
            data_sample (Mapping[str, Any]): A predict output with
                ``'inputs'``, ``'gt'`` and ``'pred'``.

        Returns:
            np.ndarray: uint8 RGB image of shape (H, W, 3).
        """
        if self.labelled:
            return draw_labelled_strip(
                data_sample['inputs'], data_sample['gt'],
                data_sample['pred'], min_frame_size=self.min_frame_size,
                sep_width=self.sep_width, sep_value=self.sep_value)
        return draw_video_strip(
            data_sample['inputs'],
            data_sample['gt'],
            data_sample['pred'],
            sep_width=self.sep_width,
            sep_value=self.sep_value,
            scale=self.scale)

    def draw_gif_frames(self,
                        data_sample: Mapping[str, Any]) -> List[np.ndarray]:
        """Draw the ground-truth-beside-prediction frames of a clip.

        Args:
            data_sample (Mapping[str, Any]): A predict output with
                ``'inputs'``, ``'gt'`` and ``'pred'``.

        Returns:
            list[np.ndarray]: uint8 RGB frames of shape (H, W, 3).
        """
        return draw_gif_frames(
            data_sample['inputs'],
            data_sample['gt'],
            data_sample['pred'],
            with_inputs=self.gif_with_inputs,
            sep_width=self.sep_width,
            sep_value=self.sep_value,
            scale=self.scale)

    @master_only
    def add_datasample(self,
                       name: str,
                       image: Optional[np.ndarray] = None,
                       data_sample: Optional[Mapping[str, Any]] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       step: int = 0,
                       out_file: Optional[str] = None,
                       gif_file: Optional[str] = None) -> None:
        """Draw a clip's strip, log it to the backends and optionally save.

        Args:
            name (str): Image name in the backends (no ``/`` for the local
                backend, which writes ``<name>_<step>.png``).
            image (np.ndarray, optional): Unused; the strip is drawn from
                ``data_sample``. Kept for mmengine's signature.
            data_sample (Mapping[str, Any]): A predict output with
                ``'inputs'``, ``'gt'`` and ``'pred'``.
            draw_gt (bool): Unused (the strip always has both rows).
            draw_pred (bool): Unused.
            show (bool): Also show the strip in a window. Defaults to False.
            wait_time (float): Seconds the window stays. Defaults to 0.
            step (int): Global step given to the backends. Defaults to 0.
            out_file (str, optional): Also write the strip to this PNG.
            gif_file (str, optional): Also write the animation to this GIF.
        """
        if data_sample is None:
            raise ValueError('VideoVisualizer.add_datasample needs a '
                             'data_sample with inputs, gt and pred')
        strip = self.draw_video_strip(data_sample)
        self.add_image(name, strip, step=step)
        if out_file is not None:
            write_png(strip, out_file)
        if gif_file is not None:
            write_gif(self.draw_gif_frames(data_sample), gif_file,
                      fps=self.gif_fps)
        if show:
            self.show(strip, win_name=name, wait_time=wait_time)

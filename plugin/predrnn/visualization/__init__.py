"""Visual results: paper-style strips, GIFs and per-timestep curves."""
from .clip_rendering import (draw_gif_frames, draw_video_strip,
                             frames_to_numpy, frames_to_rgb_uint8)
from .image_io import write_gif, write_png
from .per_step_curves import plot_per_step_curves
from .video_visualization_hook import VideoVisualizationHook
from .video_visualizer import VideoVisualizer

__all__ = [
    'VideoVisualizationHook', 'VideoVisualizer', 'draw_gif_frames',
    'draw_video_strip', 'frames_to_numpy', 'frames_to_rgb_uint8',
    'plot_per_step_curves', 'write_gif', 'write_png'
]

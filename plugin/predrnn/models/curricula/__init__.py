"""Training curricula: which steps see the ground truth."""
from .base_curriculum import BaseCurriculum, inference_mask
from .clip_keys import (CURRICULUM_SEED_KEY, clip_seeds,
                        global_batch_positions)
from .reverse_scheduled_sampling import ReverseScheduledSampling
from .scheduled_sampling import ScheduledSampling, TeacherForcing

__all__ = ['CURRICULUM_SEED_KEY', 'BaseCurriculum', 'ReverseScheduledSampling',
           'ScheduledSampling', 'TeacherForcing', 'clip_seeds',
           'global_batch_positions', 'inference_mask']

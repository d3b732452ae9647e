"""Training curricula: which steps see the ground truth."""
from .base_curriculum import BaseCurriculum, inference_mask
from .clip_keys import clip_seeds, global_batch_positions
from .reverse_scheduled_sampling import ReverseScheduledSampling
from .scheduled_sampling import ScheduledSampling, TeacherForcing

__all__ = ['BaseCurriculum', 'ReverseScheduledSampling', 'ScheduledSampling',
           'TeacherForcing', 'clip_seeds', 'global_batch_positions',
           'inference_mask']

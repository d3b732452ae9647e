"""Training curricula: which steps see the ground truth."""
from .base_curriculum import BaseCurriculum, inference_mask
from .reverse_scheduled_sampling import ReverseScheduledSampling
from .scheduled_sampling import ScheduledSampling, TeacherForcing

__all__ = ['BaseCurriculum', 'ReverseScheduledSampling', 'ScheduledSampling',
           'TeacherForcing', 'inference_mask']

"""Engine pieces: safe checkpoint loading, optim wrappers, optimizers, hooks
(including per-iteration seeding for exact resumes).

Importing this package allow-lists the types of mmengine checkpoints for
``torch.load(weights_only=True)`` (:mod:`predrnn.engine.checkpoint_allowlist`;
nothing of mmengine is replaced), adds the ``'predrnn_atomic_local'`` file
backend for atomic checkpoint saves, and registers timm's optimizers in the
``predrnn`` scope. The plugin reads checkpoints through
:func:`load_checkpoint_safely`.
"""
from .atomic_local_backend import ATOMIC_LOCAL, AtomicLocalBackend
from .autocast_optim_wrapper import (AutocastOptimWrapper,
                                     cpu_has_native_bf16,
                                     default_autocast_dtype)
from .checkpoint_allowlist import (SAFE_ATTRIBUTES, register_safe_globals,
                                   safe_globals_list)
from .checkpoint_check_hook import CheckpointCheckHook
from .data_normalization_hook import DataNormalizationHook
from .finite_best_checkpoint_hook import FiniteBestCheckpointHook
from .finite_loss import check_finite_losses
from .finite_weights import (LAST_FINITE_CHECKPOINT, check_finite_weights,
                             nonfinite_tensors)
from .frame_size_check import (FrameSizeCheckHook, checkpoint_frame_size,
                               dataset_frame_size)
from .iteration_seed_hook import IterationSeedHook, iteration_seed
from .loss_divergence_hook import LossDivergenceHook
from .progress_logger_hook import ProgressLoggerHook
from .safe_checkpoint import (CheckpointError, CorruptCheckpointError,
                              NonFiniteCheckpointError, NotACheckpointError,
                              UnsafeCheckpointError, inspect_checkpoint,
                              load_checkpoint_safely)
from .timm_optimizers import TIMM_OPTIMIZERS, register_timm_optimizers

register_safe_globals()

__all__ = [
    'AutocastOptimWrapper', 'cpu_has_native_bf16', 'default_autocast_dtype',
    'FiniteBestCheckpointHook', 'check_finite_losses', 'IterationSeedHook',
    'iteration_seed', 'LossDivergenceHook', 'ProgressLoggerHook',
    'ATOMIC_LOCAL', 'AtomicLocalBackend', 'CheckpointCheckHook',
    'DataNormalizationHook', 'FrameSizeCheckHook', 'checkpoint_frame_size',
    'dataset_frame_size',
    'SAFE_ATTRIBUTES', 'register_safe_globals', 'safe_globals_list',
    'LAST_FINITE_CHECKPOINT', 'check_finite_weights', 'nonfinite_tensors',
    'CheckpointError',
    'CorruptCheckpointError', 'NonFiniteCheckpointError',
    'NotACheckpointError', 'UnsafeCheckpointError', 'inspect_checkpoint',
    'load_checkpoint_safely', 'TIMM_OPTIMIZERS', 'register_timm_optimizers'
]

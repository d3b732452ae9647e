"""Engine pieces: safe checkpoint loading, optim wrappers, optimizers, hooks
(including per-iteration seeding for exact resumes).

Importing this package allow-lists the types of mmengine checkpoints for
``torch.load(weights_only=True)`` and makes mmengine's ``CheckpointLoader``
use them (see :mod:`predrnn.engine.safe_checkpoint`), and registers timm's
optimizers in the ``predrnn`` scope.
"""
from .autocast_optim_wrapper import AutocastOptimWrapper, cpu_has_native_bf16
from .finite_loss import (FiniteLossCheckMixin, FiniteLossOptimWrapper,
                          check_finite_losses)
from .iteration_seed_hook import IterationSeedHook, iteration_seed
from .non_finite_loss_hook import NonFiniteLossHook
from .runtime_info import get_current_iter
from .safe_checkpoint import (SAFE_ATTRIBUTES, CorruptCheckpointError,
                              UnsafeCheckpointError, install_safe_loaders,
                              load_checkpoint_safely, register_safe_globals,
                              safe_globals_list)
from .timm_optimizers import TIMM_OPTIMIZERS, register_timm_optimizers

register_safe_globals()
install_safe_loaders()

__all__ = [
    'AutocastOptimWrapper', 'cpu_has_native_bf16', 'FiniteLossCheckMixin', 'FiniteLossOptimWrapper',
    'check_finite_losses', 'IterationSeedHook', 'iteration_seed',
    'NonFiniteLossHook', 'get_current_iter',
    'SAFE_ATTRIBUTES', 'CorruptCheckpointError', 'UnsafeCheckpointError',
    'install_safe_loaders', 'load_checkpoint_safely', 'register_safe_globals',
    'safe_globals_list', 'TIMM_OPTIMIZERS', 'register_timm_optimizers'
]

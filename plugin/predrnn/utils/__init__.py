"""Utilities shared by the tools."""
from .atomic_write import atomic_write, stale_temporaries
from .component_args import check_component_arguments
from .config_checks import (RUNNER_KEYS, check_clip_shapes,
                            check_normalization_hook, check_option_types,
                            check_top_level_keys, check_work_dir_is_free,
                            default_work_dir, existing_checkpoints)
from .interrupt import exit_on_interrupt, interrupted_message
from .launcher import launcher_env_problem, setup_distributed
from .work_dir_lock import WorkDirLockedError, lock_work_dir

__all__ = ['atomic_write', 'stale_temporaries', 'RUNNER_KEYS',
           'check_clip_shapes', 'check_normalization_hook',
           'check_option_types', 'check_top_level_keys',
           'check_work_dir_is_free', 'default_work_dir',
           'existing_checkpoints', 'WorkDirLockedError', 'lock_work_dir',
           'exit_on_interrupt', 'interrupted_message',
           'check_component_arguments', 'launcher_env_problem',
           'setup_distributed']

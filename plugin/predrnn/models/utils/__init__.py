"""Model utilities: patching and reference-checkpoint reading."""
from .patching import (check_patchable, patch_frames, patched_shape,
                       unpatch_frames)
from .reference_checkpoints import (CheckpointFormatError, NetHyperParams,
                                    convert_reference_state, expected_keys,
                                    describe_mismatch, extract_net_state,
                                    infer_hyperparams)

__all__ = [
    'check_patchable', 'patch_frames', 'patched_shape', 'unpatch_frames',
    'CheckpointFormatError', 'NetHyperParams', 'convert_reference_state',
    'describe_mismatch', 'expected_keys', 'extract_net_state',
    'infer_hyperparams'
]

"""Read the authors' action-conditioned PredRNN-V2 checkpoints.

The authors' BAIR model (``action_cond_predrnn_v2``) saves the same
``{'net_param': state_dict}`` as their other models, with the names of the
plain model (:mod:`.reference_checkpoints`) plus
``cell_list.<l>.conv_a.0.weight/bias``, biases on every cell convolution,
``conv_input1/2.weight``, ``action_conv_input1/2.weight`` and
``deconv_output1/2.weight`` (with ``conv_on_input``) and
``adapter.weight``. :class:`~predrnn.models.networks.ActionPredRNNNet` uses
these names, so converting means finding the tensors, validating the key
set against the hyperparameters their shapes imply and adding ``net.``.

``res_on_conv`` (encoder-to-decoder skips) has no weights: it cannot be read
from a checkpoint and must be set in the config as it was in training.
"""
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Mapping, Optional, Tuple

import torch

from .reference_checkpoints import (CheckpointFormatError, convert_named_state,
                                    convert_reference_state,
                                    count_cell_layers, extract_net_state)

_GATED_CONVS = ('conv_x', 'conv_h', 'conv_a', 'conv_m', 'conv_o')
_ENCODER_KEYS = ('conv_input1.weight', 'conv_input2.weight',
                 'action_conv_input1.weight', 'action_conv_input2.weight',
                 'deconv_output1.weight', 'deconv_output2.weight')


@dataclass(frozen=True)
class ActionNetHyperParams:
    """Hyperparameters a set of action-conditioned weights implies."""
    num_layers: int
    num_hidden: int
    in_channels: int  # p*p*C
    condition_channels: int  # A
    kernel_size: int
    layer_norm: bool
    conv_on_input: bool
    cell_bias: bool
    decouple: bool = True
    norm_spatial_size: Optional[Tuple[int, int]] = None

    def describe(self) -> str:
        return (', '.join(f'{k}={v}' for k, v in asdict(self).items()) +
                ' (action-conditioned; set res_on_conv in the config as in '
                'training: it has no weights)')


def is_action_state(state: Mapping[str, torch.Tensor]) -> bool:
    """Whether authors-named tensors come from an action-conditioned model
    (they hold ``conv_a``)."""
    return any('.conv_a.' in k for k in state)


def infer_action_hyperparams(state: Mapping[str, torch.Tensor]
                             ) -> ActionNetHyperParams:
    """Read the hyperparameters from the shapes of authors-named tensors."""
    num_layers = count_cell_layers(state)
    try:
        conv_x = state['cell_list.0.conv_x.0.weight']
        conv_a = state['cell_list.0.conv_a.0.weight']
    except KeyError as e:
        raise CheckpointFormatError(f'Missing {e.args[0]}.') from None
    conv_on_input = 'conv_input1.weight' in state
    if conv_on_input:
        in_channels = state['conv_input1.weight'].shape[1]
        cond = state['action_conv_input1.weight'].shape[1] if (
            'action_conv_input1.weight' in state) else -1
    else:
        if 'conv_last.weight' not in state:
            raise CheckpointFormatError(
                'Neither conv_input1.weight (encoders) nor conv_last.weight '
                '(read-out) found: not an action-conditioned PredRNN-V2.')
        in_channels = state['conv_last.weight'].shape[0]
        cond = conv_a.shape[1]
    norm = state.get('cell_list.0.conv_x.1.weight')
    return ActionNetHyperParams(
        num_layers=num_layers,
        num_hidden=conv_x.shape[0] // 7,
        in_channels=in_channels,
        condition_channels=cond,
        kernel_size=conv_x.shape[-1],
        layer_norm=norm is not None,
        conv_on_input=conv_on_input,
        cell_bias='cell_list.0.conv_x.0.bias' in state,
        norm_spatial_size=tuple(norm.shape[-2:]) if norm is not None else None)


def expected_action_keys(hp: ActionNetHyperParams) -> set:
    """The authors-named keys a network with ``hp`` holds."""
    per_cell = [f'{conv}.0.weight' for conv in _GATED_CONVS]
    per_cell.append('conv_last.weight')
    if hp.cell_bias:
        per_cell += [f'{conv}.0.bias' for conv in _GATED_CONVS]
        per_cell.append('conv_last.bias')
    if hp.layer_norm:
        per_cell += [f'{conv}.1.{p}' for conv in _GATED_CONVS
                     for p in ('weight', 'bias')]
    keys = {f'cell_list.{layer}.{name}'
            for layer in range(hp.num_layers) for name in per_cell}
    keys.update(_ENCODER_KEYS if hp.conv_on_input else ('conv_last.weight', ))
    keys.add('adapter.weight')
    return keys


def convert_action_reference_state(checkpoint: Mapping) -> Tuple[
        str, ActionNetHyperParams, 'OrderedDict']:
    """Convert an authors' action-conditioned checkpoint into the
    ``state_dict`` of :class:`~predrnn.models.ActionCondPredRNNv2`.

    Raises:
        CheckpointFormatError: naming missing or unexpected keys.

    Returns:
        tuple: source layout, implied hyperparameters and the state dict
        with ``net.``-prefixed keys.
    """
    return convert_named_state(checkpoint, infer_action_hyperparams,
                               expected_action_keys,
                               'an action-conditioned PredRNN-V2')


def convert_any_reference_state(checkpoint: Mapping) -> Tuple[str, object,
                                                               'OrderedDict']:
    """:func:`convert_action_reference_state` for action-conditioned
    checkpoints, :func:`convert_reference_state` for the others."""
    _, state = extract_net_state(checkpoint)
    if is_action_state(state):
        return convert_action_reference_state(checkpoint)
    return convert_reference_state(checkpoint)

"""Read the weights of the reference implementations.

The authors' code (thuml/predrnn-pytorch) saves ``model.ckpt-<iter>`` as
``{'net_param': state_dict}``; OpenSTL saves the same tensors under a
``model.`` prefix (PyTorch Lightning: inside ``state_dict``). Our
:class:`~predrnn.models.networks.PredRNNNet` uses the authors' parameter
names, so converting is a matter of finding the tensors, stripping the
prefix, validating the key set and adding our ``net.`` prefix.
"""
import re
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import torch

NET_PREFIX = 'net.'
_CELL_KEY = re.compile(r'^cell_list\.(\d+)\.(.+)$')
_CELL_PARAMS = ('conv_x.0.weight', 'conv_h.0.weight', 'conv_m.0.weight',
                'conv_o.0.weight', 'conv_last.weight')
_CELL_NORM_PARAMS = tuple(f'{conv}.1.{p}'
                          for conv in ('conv_x', 'conv_h', 'conv_m', 'conv_o')
                          for p in ('weight', 'bias'))


class CheckpointFormatError(ValueError):
    """A checkpoint that is not a PredRNN checkpoint we know how to read."""


@dataclass(frozen=True)
class NetHyperParams:
    """Hyperparameters a set of network weights implies."""
    num_layers: int
    num_hidden: int
    in_channels: int  # p*p*C
    kernel_size: int
    layer_norm: bool
    decouple: bool
    norm_spatial_size: Optional[Tuple[int, int]] = None

    def describe(self) -> str:
        return ', '.join(f'{k}={v}' for k, v in asdict(self).items())


def extract_net_state(checkpoint: Mapping) -> Tuple[str, Dict[str, torch.Tensor]]:
    """Find the network tensors in a checkpoint of any supported layout.

    Returns:
        tuple: the detected source (``'authors'``, ``'openstl'``,
        ``'predrnn'``, ``'plain'``) and the tensors keyed by the authors'
        names (``cell_list.0.conv_x.0.weight`` ...).
    """
    if not isinstance(checkpoint, Mapping):
        raise CheckpointFormatError(
            f'Expected a dict-like checkpoint, got {type(checkpoint).__name__}.')
    if 'net_param' in checkpoint:
        source, state = 'authors', checkpoint['net_param']
    elif 'state_dict' in checkpoint:
        state = checkpoint['state_dict']
        source = 'predrnn' if 'meta' in checkpoint else 'openstl'
    else:
        source, state = 'plain', checkpoint
    state = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    for prefix in ('module.', 'model.', NET_PREFIX):
        if state and all(k.startswith(prefix) for k in state):
            state = {k[len(prefix):]: v for k, v in state.items()}
            if prefix == 'model.' and source == 'plain':
                source = 'openstl'
    if not any(_CELL_KEY.match(k) for k in state):
        sample = ', '.join(sorted(checkpoint)[:5])
        raise CheckpointFormatError(
            f'No PredRNN weights (cell_list.<l>.*) found; top-level keys: '
            f'{sample}. Expected the authors\' model.ckpt-<iter> '
            f'({{"net_param": ...}}), an OpenSTL checkpoint or one written '
            f'by this project.')
    return source, state


def count_cell_layers(state: Mapping[str, torch.Tensor]) -> int:
    """Number of layers ``cell_list.<l>`` of authors-named tensors, checking
    that the indices run from 0 without gaps."""
    layers = sorted({int(m.group(1)) for k in state
                     if (m := _CELL_KEY.match(k))})
    if layers != list(range(len(layers))):
        raise CheckpointFormatError(
            f'Cell indices are not consecutive from 0: {layers}.')
    return len(layers)


def frame_channels_of(state: Mapping[str, torch.Tensor],
                      default: int) -> int:
    """Channels of the patched frame, read from the layer that writes the
    prediction (``conv_last`` or an action model's ``deconv_output2``):
    right also where layer 0 reads more than the frame (an encoder, an
    added condition)."""
    if 'deconv_output2.weight' in state:
        return state['deconv_output2.weight'].shape[1]
    if 'conv_last.weight' in state:
        return state['conv_last.weight'].shape[0]
    return default


def infer_hyperparams(state: Mapping[str, torch.Tensor]) -> NetHyperParams:
    """Read layers, hidden size, input channels, kernel, layer norm and
    decoupling from the shapes of authors-named tensors."""
    num_layers = count_cell_layers(state)
    try:
        conv_x = state['cell_list.0.conv_x.0.weight']
    except KeyError as e:
        raise CheckpointFormatError(
            'Missing cell_list.0.conv_x.0.weight.') from e
    norm = state.get('cell_list.0.conv_x.1.weight')
    return NetHyperParams(
        num_layers=num_layers,
        num_hidden=conv_x.shape[0] // 7,
        in_channels=frame_channels_of(state, conv_x.shape[1]),
        kernel_size=conv_x.shape[-1],
        layer_norm=norm is not None,
        decouple='adapter.weight' in state,
        norm_spatial_size=tuple(norm.shape[-2:]) if norm is not None else None)


def expected_keys(hp: NetHyperParams) -> set:
    """The authors-named keys a network with ``hp`` holds."""
    per_cell = _CELL_PARAMS + (_CELL_NORM_PARAMS if hp.layer_norm else ())
    keys = {f'cell_list.{layer}.{name}'
            for layer in range(hp.num_layers) for name in per_cell}
    keys.add('conv_last.weight')
    if hp.decouple:
        keys.add('adapter.weight')
    return keys


def convert_reference_state(checkpoint: Mapping) -> Tuple[str, NetHyperParams,
                                                           'OrderedDict']:
    """Convert a reference checkpoint into our model's ``state_dict``.

    Raises:
        CheckpointFormatError: naming missing or unexpected keys.

    Returns:
        tuple: source layout, implied hyperparameters and the state dict
        with ``net.``-prefixed keys.
    """
    return convert_named_state(checkpoint, infer_hyperparams, expected_keys,
                               'a PredRNN network')


def convert_named_state(checkpoint: Mapping,
                        infer: Callable[[Mapping], Any],
                        expected: Callable[[Any], set],
                        what: str) -> Tuple[str, Any, 'OrderedDict']:
    """Find the authors-named tensors, read the hyperparameters their shapes
    imply (``infer``), require exactly the keys such a network holds
    (``expected``; an error names ``what`` and the missing and unexpected
    keys) and return ``(source, hyperparameters, net.-prefixed float32
    state dict)``."""
    source, state = extract_net_state(checkpoint)
    hp = infer(state)
    want = expected(hp)
    missing, unexpected = sorted(want - set(state)), sorted(set(state) - want)
    if missing or unexpected:
        raise CheckpointFormatError(
            f'Checkpoint ({source} layout, {hp.describe()}) does not match '
            f'{what}: missing keys {missing or "none"}; unexpected '
            f'keys {unexpected or "none"}.')
    out = OrderedDict((NET_PREFIX + k, state[k].float()) for k in sorted(state))
    return source, hp, out


def describe_mismatch(model: NetHyperParams, ckpt: NetHyperParams,
                      patch_size: int, frame_channels: int) -> Optional[str]:
    """A readable account of how checkpoint weights disagree with a model
    config, or ``None`` if they agree (decoupling aside: a v1 checkpoint may
    initialise a v2 model, whose adapter then starts fresh)."""
    lines = []
    if ckpt.num_layers != model.num_layers:
        lines.append(f'num_layers: checkpoint {ckpt.num_layers}, '
                     f'config {model.num_layers}')
    if ckpt.num_hidden != model.num_hidden:
        lines.append(f'num_hidden: checkpoint {ckpt.num_hidden}, '
                     f'config {model.num_hidden}')
    if ckpt.kernel_size != model.kernel_size:
        lines.append(f'kernel_size: checkpoint {ckpt.kernel_size}, '
                     f'config {model.kernel_size}')
    if ckpt.in_channels != model.in_channels:
        options = [f'patch_size={p}, frame_channels={ckpt.in_channels // p**2}'
                   for p in (1, 2, 4, 8, 16) if ckpt.in_channels % p**2 == 0]
        lines.append(
            f'input channels patch_size**2 * frame_channels: checkpoint '
            f'{ckpt.in_channels}, config {patch_size}**2 * {frame_channels} '
            f'= {model.in_channels} (the checkpoint fits e.g. '
            f'{"; ".join(options)})')
    if ckpt.layer_norm != model.layer_norm:
        lines.append(f'layer_norm: checkpoint {ckpt.layer_norm}, '
                     f'config {model.layer_norm}')
    elif ckpt.norm_spatial_size != model.norm_spatial_size:
        lines.append(f'layer-norm spatial size (frame_size / patch_size): '
                     f'checkpoint {ckpt.norm_spatial_size}, config '
                     f'{model.norm_spatial_size}')
    if not lines:
        return None
    return ('The checkpoint was trained with other model hyperparameters '
            'than the config:\n  ' + '\n  '.join(lines) +
            '\nEdit the model config to match the checkpoint (tools/train.py '
            'and tools/test.py also take --cfg-options model.KEY=VALUE).')

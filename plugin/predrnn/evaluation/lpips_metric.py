"""Optional LPIPS (Zhang et al., CVPR 2018) that never downloads anything.

The ``lpips`` package is not a dependency. It ships its own linear-layer
weights, but its backbone (torchvision's AlexNet, VGG16 or SqueezeNet
ImageNet weights) would be downloaded by torchvision the first time. Here
the backbone is built without weights and loaded from the file torchvision
would have cached, ``torch.hub.get_dir()/checkpoints/<file>``, only if that
file is already there. When the package or the file is missing,
:func:`load_lpips` returns the reason instead of a model, and the metric logs
it once and reports no ``lpips`` key.
"""
import importlib.util
import os.path as osp
import warnings
from typing import Any, Optional, Tuple

import numpy as np
import torch
from torch import nn

#: torchvision weight enums of the LPIPS backbones.
_BACKBONES = {
    'alex': 'AlexNet_Weights',
    'vgg': 'VGG16_Weights',
    'squeeze': 'SqueezeNet1_1_Weights',
}
#: The LPIPS backbones.
LPIPS_NETS = tuple(_BACKBONES)


def backbone_weights_location(net: str) -> Tuple[str, str]:
    """Where torchvision caches an LPIPS backbone, and where it comes from.

    Args:
        net (str): ``'alex'``, ``'vgg'`` or ``'squeeze'``.

    Returns:
        tuple[str, str]: The local path
        ``torch.hub.get_dir()/checkpoints/<file>`` (follows ``TORCH_HOME``)
        and the URL torchvision would download it from.
    """
    if net not in _BACKBONES:
        raise ValueError(f'lpips_net must be one of {sorted(_BACKBONES)}, '
                         f'got {net!r}')
    import torchvision.models as tvm
    url = getattr(tvm, _BACKBONES[net]).IMAGENET1K_V1.url
    path = osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(url))
    return path, url


def load_lpips(net: str = 'alex') -> Tuple[Optional[nn.Module], str]:
    """Build LPIPS from local files only.

    Args:
        net (str): Backbone, ``'alex'`` (the papers' choice), ``'vgg'`` or
            ``'squeeze'``. Defaults to ``'alex'``.

    Returns:
        tuple: ``(model, '')`` with the model in eval mode, frozen, on the
        CPU; or ``(None, reason)`` saying what is missing and how to fix it.
    """
    if importlib.util.find_spec('lpips') is None:
        return None, ('LPIPS skipped: the optional package "lpips" is not '
                      'installed (pip install lpips)')
    path, url = backbone_weights_location(net)
    if not osp.isfile(path):
        return None, (f'LPIPS skipped: the {net} backbone weights are not in '
                      f'the local torch hub cache; download {url} once and '
                      f'put it at {path} (the folder follows TORCH_HOME)')
    import lpips
    with warnings.catch_warnings():  # torchvision's "pretrained" deprecation
        warnings.simplefilter('ignore')
        # pnet_rand: backbone without weights, pretrained=False: no lin
        # weights either; both are loaded below with weights_only=True.
        model = lpips.LPIPS(
            pretrained=False, net=net, pnet_rand=True, verbose=False)
    lin_file = osp.join(
        osp.dirname(lpips.__file__), 'weights', 'v0.1', f'{net}.pth')
    state = model.state_dict()
    lin = torch.load(lin_file, map_location='cpu', weights_only=True)
    try:  # a truncated download or another model's file: say which file
        backbone = torch.load(path, map_location='cpu', weights_only=True)
        for key in state:
            if key in lin:
                state[key] = lin[key]
            elif key.startswith('net.slice'):
                # lpips keeps torchvision's layer indices: net.slice2.3.weight
                # is features.3.weight of the torchvision model.
                state[key] = backbone['features.' + key.split('.', 2)[2]]
        model.load_state_dict(state)
    except Exception as error:  # noqa: BLE001 (reported, metric goes on)
        return None, (f'LPIPS skipped: {path} is not the {net} backbone '
                      f'weights torchvision publishes ({type(error).__name__}'
                      f': {str(error)[:200]}); replace it with {url}')
    return model.eval().requires_grad_(False), ''


def frame_lpips(model: nn.Module, pred: Any, gt: Any,
                scale_to_pm1: bool = True) -> Any:
    """LPIPS distance per frame, on the model's device.

    Args:
        model (nn.Module): From :func:`load_lpips`.
        pred (np.ndarray | torch.Tensor): Predicted frames in [0, 1],
            (T, C, H, W) or (B, T, C, H, W), with C 1 (repeated to RGB) or
            3 (RGB).
        gt (np.ndarray | torch.Tensor): Ground-truth frames in [0, 1], same
            shape.
        scale_to_pm1 (bool): Map [0, 1] to [-1, 1], the range LPIPS was
            trained on. The PredRNN authors fed [0, 1] as is; False
            reproduces that. Defaults to True.

    Returns:
        Shape (T,) or (B, T), float64: numpy for numpy input, else a tensor
        on the model's device.
    """
    if pred.shape[-3] not in (1, 3):
        raise ValueError('LPIPS needs 1 or 3 channels, got '
                         f'{pred.shape[-3]}')
    device = next(model.parameters()).device
    frames = []
    for x in (pred, gt):
        if not isinstance(x, torch.Tensor):
            x = torch.from_numpy(np.array(x))
        x = x.to(device=device, dtype=torch.float32).flatten(0, -4)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        frames.append(x * 2 - 1 if scale_to_pm1 else x)
    with torch.inference_mode():
        # one clip's worth of frames at a time: memory as per clip
        dist = torch.cat([
            model(p, g).reshape(-1) for p, g in zip(
                frames[0].split(pred.shape[-4]),
                frames[1].split(pred.shape[-4]))
        ])
    dist = dist.double().reshape(pred.shape[:-3])
    return dist.cpu().numpy() if not isinstance(pred, torch.Tensor) else dist

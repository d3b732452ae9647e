"""timm's optimizers in the ``predrnn`` OPTIMIZERS registry.

Naming rule, applied to every class exported by ``timm.optim`` that is a
``torch.optim.Optimizer`` built from ``params``:

1. classes timm merely re-exports from ``torch.optim`` (``Adam``, ``AdamW``,
   ``NAdam``, ``RAdam``, ``SGD``...) are skipped: mmengine's root registry
   already has them;
2. a timm class whose name is also the name of an optimizer in
   ``torch.optim`` (``mmengine.optim.optimizer.builder.TORCH_OPTIMIZERS``) is
   registered as ``Timm<Name>``: ``TimmMuon``, ``TimmAdafactor`` (mmengine
   registers torch's as ``Muon`` and ``TorchAdafactor``), so that a bare name
   never silently changes meaning between torch's and timm's class;
3. every other class keeps its name: ``Lamb``, ``Lion``, ``AdamP``, ``SGDP``,
   ``NAdamW``, ``Adan``, ``Adopt``, ``MADGRAD``, ``Lars``, ``AdaBelief``,
   ...

Wrappers that do not take ``params`` (``Lookahead``) are skipped. Inside the
``predrnn`` scope these names take precedence over same-named optimizers of
optional packages that mmengine registers in its root registry when they are
installed (``lion-pytorch``'s ``Lion``).

Usage, with ``default_scope='predrnn'``::

    optim_wrapper = dict(optimizer=dict(type='Lamb', lr=5e-3,
                                        weight_decay=0.01))
"""
import inspect
from typing import Dict, Type

import torch
from mmengine.optim.optimizer.builder import TORCH_OPTIMIZERS

from predrnn.registry import OPTIMIZERS

__all__ = ['TIMM_OPTIMIZERS', 'register_timm_optimizers']


def _takes_params(cls: type) -> bool:
    """Whether ``cls(params, ...)`` is its constructor's calling form."""
    try:
        parameters = list(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):
        return False
    return len(parameters) > 1 and parameters[1] == 'params'


def register_timm_optimizers() -> Dict[str, Type[torch.optim.Optimizer]]:
    """Register ``timm.optim``'s optimizers following the naming rule.

    Returns:
        dict: Registered name to optimizer class (empty if timm is missing).
    """
    try:
        import timm.optim as timm_optim
    except ImportError:  # pragma: no cover - timm is a requirement
        return {}
    registered: Dict[str, Type[torch.optim.Optimizer]] = {}
    for name in sorted(dir(timm_optim)):
        cls = getattr(timm_optim, name)
        if not (inspect.isclass(cls) and issubclass(cls, torch.optim.Optimizer)
                and cls is not torch.optim.Optimizer):
            continue
        if cls.__module__.split('.')[0] == 'torch' or not _takes_params(cls):
            continue
        reg_name = f'Timm{name}' if name in TORCH_OPTIMIZERS else name
        if OPTIMIZERS.module_dict.get(reg_name) is cls:
            registered[reg_name] = cls
            continue
        OPTIMIZERS.register_module(name=reg_name, module=cls)
        registered[reg_name] = cls
    return registered


#: Name in the ``predrnn`` OPTIMIZERS registry to timm optimizer class.
TIMM_OPTIMIZERS = register_timm_optimizers()

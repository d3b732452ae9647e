"""timm's optimizers in the ``predrnn`` scope."""
import timm.optim
import torch

from predrnn.engine import TIMM_OPTIMIZERS, load_checkpoint_safely
from predrnn.registry import OPTIMIZERS


def test_naming_rule():
    assert OPTIMIZERS.get('Lamb') is timm.optim.Lamb
    assert OPTIMIZERS.get('Lion') is timm.optim.Lion
    assert OPTIMIZERS.get('AdamP') is timm.optim.AdamP
    # torch's names keep torch's classes...
    for name in ('Adam', 'AdamW', 'NAdam', 'RAdam', 'SGD'):
        assert name not in OPTIMIZERS.module_dict
        assert OPTIMIZERS.get(name) is getattr(torch.optim, name)
    # ...and a timm class with a torch name gets the Timm prefix.
    assert TIMM_OPTIMIZERS['TimmMuon'] is timm.optim.Muon
    assert 'Muon' not in TIMM_OPTIMIZERS
    # wrappers that do not take params are skipped
    assert 'Lookahead' not in TIMM_OPTIMIZERS
    assert all(
        cls.__module__.startswith('timm.') for cls in TIMM_OPTIMIZERS.values())


def test_lamb_in_runner(tmp_path, make_runner, toy_model_cls):
    model = toy_model_cls()
    optim_wrapper = dict(
        optimizer=dict(type='Lamb', lr=1e-2, weight_decay=0.01))
    runner = make_runner(
        str(tmp_path), model=model, max_iters=2, optim_wrapper=optim_wrapper)
    before = model.conv.weight.detach().clone()
    runner.train()
    assert isinstance(runner.optim_wrapper.optimizer, timm.optim.Lamb)
    assert not torch.equal(model.conv.weight.detach(), before)
    ckpt = load_checkpoint_safely(str(tmp_path / 'iter_2.pth'))
    assert ckpt['optimizer']['state']  # Lamb's moments were saved
    resumed = make_runner(
        str(tmp_path),
        model=toy_model_cls(),
        max_iters=3,
        optim_wrapper=optim_wrapper,
        resume=True)
    resumed.train()
    assert resumed.iter == 3

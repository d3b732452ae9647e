"""configs/action: the BAIR recipe builds the authors' network (their key
set) on BAIR-shaped data; the Moving MNIST demo pair differ only in the
conditioning."""
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config

from predrnn.models.utils.action_checkpoints import (
    expected_action_keys, infer_action_hyperparams)
from predrnn.registry import DATASETS, MODELS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(ROOT, 'configs', 'action')


def test_bair_recipe_is_the_authors_network(tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS, 'predrnnv2_bair.py'))
    model = MODELS.build(cfg.model)
    state = {k[len('net.'):]: v for k, v in model.state_dict().items()
             if k.startswith('net.')}
    hp = infer_action_hyperparams(state)
    assert (hp.num_layers, hp.num_hidden, hp.in_channels,
            hp.condition_channels, hp.kernel_size, hp.conv_on_input,
            hp.cell_bias) == (4, 128, 3, 4, 5, True, True)
    assert set(state) == expected_action_keys(hp)
    # BAIR-shaped data (2 clips of 12 frames) goes through dataset,
    # preprocessor and one prediction
    np.save(tmp_path / 'test.npy', np.zeros((2, 12, 64, 64, 3), np.uint8))
    np.save(tmp_path / 'test.actions.npy', np.zeros((2, 12, 4), np.float32))
    ds = DATASETS.build(dict(cfg.val_dataloader.dataset,
                             data_root=str(tmp_path)))
    item = ds[0]
    assert item['inputs'].shape == (12, 3, 64, 64)
    batch = dict(inputs=item['inputs'][None],
                 conditions=item['conditions'][None])
    with torch.no_grad():
        out = model.val_step(batch)
    assert out[0]['pred'].shape == (10, 3, 64, 64)


def test_mmnist_demo_pair_differs_only_in_conditioning():
    cond = Config.fromfile(osp.join(CONFIGS, 'predrnnv2_action_mmnist.py'))
    uncond = Config.fromfile(osp.join(CONFIGS, 'predrnnv2_uncond_mmnist.py'))
    additive = Config.fromfile(
        osp.join(CONFIGS, 'predrnnv2_action_additive_mmnist.py'))
    assert uncond.train_dataloader == cond.train_dataloader
    assert uncond.val_dataloader == cond.val_dataloader
    assert uncond.train_cfg == cond.train_cfg
    assert uncond.optim_wrapper == cond.optim_wrapper
    for key in ('type', 'in_frames', 'out_frames', 'beta', 'sampling'):
        assert uncond.model[key] == cond.model[key], key
    for key in ('num_layers', 'num_hidden', 'kernel_size'):
        assert uncond.model.backbone[key] == cond.model.backbone[key], key
    assert cond.model.backbone.type == 'ActionPredRNNNet'
    assert uncond.model.backbone.type == 'PredRNNNet'
    assert additive.model.backbone.fusion == 'additive'
    assert cond.model.backbone.condition_channels == 2 * (
        cond.train_dataloader.dataset.num_digits)
    built = {name: MODELS.build(cfg.model) for name, cfg in (
        ('cond', cond), ('uncond', uncond), ('additive', additive))}
    assert built['cond'].condition_channels == 2
    assert built['additive'].net.fusion == 'additive'
    assert built['uncond'].condition_channels == 0

"""A dataset that declares normalization needs DataNormalizationHook:
without it the model would silently train on wrongly scaled values."""
import os.path as osp

import pytest
from mmengine.config import Config

from predrnn.utils import check_normalization_hook

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')


def _cfg(custom_hooks):
    dataset = dict(type='SequenceDataset',
                   normalization=dict(kind='meanstd'))
    return Config(dict(train_dataloader=dict(dataset=dataset),
                       val_dataloader=dict(dataset=dict(dataset)),
                       custom_hooks=custom_hooks))


def test_declared_normalization_without_the_hook_is_refused():
    with pytest.raises(ValueError, match='DataNormalizationHook') as error:
        check_normalization_hook(_cfg([]))
    assert 'train_dataloader, val_dataloader' in str(error.value)


@pytest.mark.parametrize('name', ['DataNormalizationHook',
                                  'predrnn.DataNormalizationHook'])
def test_the_hook_by_either_name_is_enough(name):
    check_normalization_hook(_cfg([dict(type=name)]))


def test_shipped_own_data_config_passes_and_moving_mnist_needs_nothing():
    check_normalization_hook(Config.fromfile(
        osp.join(CONFIGS, 'own_data', 'predrnnv2_video.py')))
    check_normalization_hook(Config.fromfile(
        osp.join(CONFIGS, 'mmnist', 'predrnnv2_cpu_quick.py')))

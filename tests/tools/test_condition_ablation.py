"""tools/analysis_tools/condition_ablation.py: its 'own conditions' MSE is
VideoPredictionMetric's 'mse' of the same predictions."""
import os.path as osp
import sys

import pytest
import torch
from torch.utils.data import default_collate

from predrnn.evaluation import VideoPredictionMetric
from predrnn.registry import DATASETS, MODELS

ROOT = osp.join(osp.dirname(__file__), '..', '..')
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
import condition_ablation  # noqa: E402

MODEL = dict(type='ActionCondPredRNNv2', condition_channels=2, in_frames=2,
             out_frames=2, num_layers=1, num_hidden=4, kernel_size=3,
             data_preprocessor=dict(type='ConditionedVideoDataPreprocessor',
                                    patch_size=4))
DATA = dict(type='ControllableMovingMNIST', split='val', in_frames=2,
            out_frames=2, image_size=16, digit_size=8, num_digits=1,
            num_clips=6, num_stand_in_digits=10)


def test_own_conditions_mse_is_the_metric(tmp_path, capsys):
    torch.manual_seed(0)
    model = MODELS.build(MODEL)
    ckpt = tmp_path / 'm.pth'
    torch.save(dict(meta={}, state_dict=model.state_dict()), ckpt)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"default_scope = 'predrnn'\nmodel = {MODEL!r}\n"
                   f'val_dataloader = dict(dataset={DATA!r})\n')
    condition_ablation.main([str(cfg), str(ckpt), '--data-root',
                             str(tmp_path)])
    lines = capsys.readouterr().out.strip().splitlines()[-3:]
    assert [line.split(':')[0] for line in lines] == [
        'own conditions', "another clip's", 'all zero']
    ds = DATASETS.build(dict(DATA, data_root=str(tmp_path)))
    batch = default_collate([ds[i] for i in range(len(ds))])
    metric = VideoPredictionMetric(with_copy_last=False)
    model.eval()
    with torch.no_grad():
        metric.process(batch, model.val_step(batch))
    want = metric.compute_metrics(metric.results)['mse']
    assert lines[0] == f'own conditions: val MSE {want:.2f}'


def test_unconditioned_model_is_named(tmp_path, capsys):
    model = dict(type='PredRNNv2', in_frames=2, out_frames=2, num_layers=1,
                 num_hidden=4, kernel_size=3)
    torch.manual_seed(0)
    ckpt = tmp_path / 'm.pth'
    torch.save(dict(meta={}, state_dict=MODELS.build(model).state_dict()),
               ckpt)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"default_scope = 'predrnn'\nmodel = {model!r}\n"
                   f'val_dataloader = dict(dataset={DATA!r})\n')
    with pytest.raises(SystemExit):
        condition_ablation.main([str(cfg), str(ckpt)])
    assert 'PredRNNv2, which takes no conditions' in capsys.readouterr().err

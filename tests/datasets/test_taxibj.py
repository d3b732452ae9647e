"""TaxiBJ: a tiny ``dataset.npz`` in OpenSTL's format (X/Y train/test of
``(N, 4, 2, H, W)`` in [-1, 1]) read into 8-frame samples, its split, its
normalisation and the checks of a download."""
import numpy as np
import pytest
import torch

from predrnn.datasets.taxibj import TaxiBJ, check_taxibj_file
from predrnn.registry import DATASETS

H, W = 8, 8


def _arrays(seed=0):
    rng = np.random.default_rng(seed)

    def flows(n):
        return rng.uniform(-1, 1, (n, 4, 2, H, W))

    return dict(X_train=flows(5), Y_train=flows(5), X_test=flows(3),
                Y_test=flows(3))


@pytest.fixture(params=[np.savez, np.savez_compressed],
                ids=['stored', 'compressed'])
def taxibj_root(tmp_path, request):
    arrays = _arrays()
    request.param(tmp_path / 'dataset.npz', **arrays)
    return tmp_path, arrays


def test_samples_are_x_then_y_and_the_split_is_openstls(taxibj_root):
    root, arrays = taxibj_root
    for split, part in (('train', 'train'), ('val', 'test'),
                        ('test', 'test')):
        ds = DATASETS.build(dict(type='TaxiBJ', data_root=str(root),
                                 split=split))
        n = len(arrays[f'X_{part}'])
        assert len(ds) == n
        for i in range(n):
            clip = ds[i]['inputs']
            assert clip.dtype == torch.float32 and clip.shape == (8, 2, H, W)
            want = np.concatenate((arrays[f'X_{part}'][i],
                                   arrays[f'Y_{part}'][i]))
            np.testing.assert_allclose(clip.numpy(), want, rtol=1e-6)


def test_shorter_windows_slide_inside_each_sample(taxibj_root):
    root, arrays = taxibj_root
    ds = TaxiBJ(data_root=str(root), in_frames=2, out_frames=2,
                window_stride=2)
    assert len(ds) == 5 * 3  # starts 0, 2, 4 of each 8-frame sample
    want = np.concatenate((arrays['X_train'][1], arrays['Y_train'][1]))[2:6]
    np.testing.assert_allclose(ds[4]['inputs'].numpy(), want, rtol=1e-6)


def test_the_model_sees_openstls_unit_range(taxibj_root):
    """Stored -1 and 1 are 0 and 1 for the model (OpenSTL's (x + 1) / 2)."""
    root, _ = taxibj_root
    meta = TaxiBJ(data_root=str(root), split='test').metainfo
    norm = meta['normalization']
    assert meta['dataset_name'] == 'TaxiBJ'
    for stored, model in ((-1.0, 0.0), (1.0, 1.0), (0.0, 0.5)):
        assert model * norm['scale'][0] + norm['offset'][0] == \
            pytest.approx(stored)


def test_a_missing_archive_says_where_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='prepare_data.py taxibj'):
        TaxiBJ(data_root=str(tmp_path))


def test_checks_name_missing_arrays_and_mismatched_shapes(tmp_path):
    arrays = _arrays()
    good = tmp_path / 'good.npz'
    np.savez(good, **arrays)
    assert check_taxibj_file(str(good)) == []

    partial = tmp_path / 'partial.npz'
    np.savez(partial, X_train=arrays['X_train'], Y_train=arrays['Y_train'])
    (problem, ) = check_taxibj_file(str(partial))
    assert "['X_test', 'Y_test']" in problem

    bad = tmp_path / 'bad.npz'
    np.savez(bad, **dict(arrays, Y_test=arrays['Y_test'][:2]))
    (problem, ) = check_taxibj_file(str(bad))
    assert 'X_test' in problem and 'differ' in problem
    with pytest.raises(ValueError, match='differ'):
        TaxiBJ(data_root=str(tmp_path), file='bad.npz')

    broken = tmp_path / 'broken.npz'
    broken.write_bytes(b'not a zip')
    (problem, ) = check_taxibj_file(str(broken))
    assert 'not a readable .npz' in problem


def test_the_archive_fixes_source_and_split_keys(taxibj_root):
    root, _ = taxibj_root
    with pytest.raises(ValueError, match='split_by'):
        TaxiBJ(data_root=str(root), split_by='time')
    with pytest.raises(ValueError, match="split must be"):
        TaxiBJ(data_root=str(root), split='all')


def test_the_config_trains_and_scores_on_both_scales(tmp_path, monkeypatch):
    """configs/taxibj/predrnnv2.py with a tiny network in a real Runner:
    `mse` / `mae` on OpenSTL's [0, 1] scale are 1/4 and 1/2 of the same
    sums in the stored [-1, 1] units."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.runner import Runner
    monkeypatch.setattr(Config, 'pretty_text', property(lambda c: c.text))
    np.savez(tmp_path / 'dataset.npz', **_arrays())
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..',
                                   'configs', 'taxibj', 'predrnnv2.py'))
    loader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                  dataset=dict(data_root=str(tmp_path)))
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path / 'work'),
        model=dict(num_layers=1, num_hidden=4, kernel_size=3),
        train_dataloader=loader, val_dataloader=loader,
        test_dataloader=loader,
        train_cfg=dict(max_epochs=1, val_interval=1),
        param_scheduler=[], log_level='WARNING',
        default_hooks=dict(checkpoint=dict(interval=1))))
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert metrics['mse'] > 0
    assert metrics['mse_units'] == pytest.approx(4 * metrics['mse'],
                                                 rel=1e-5)
    assert metrics['mae_units'] == pytest.approx(2 * metrics['mae'],
                                                 rel=1e-5)


def test_prepare_data_checks_a_downloaded_folder(tmp_path, capsys):
    import importlib.util
    from pathlib import Path
    tool = Path(__file__).parents[2] / 'tools' / 'prepare_data.py'
    spec = importlib.util.spec_from_file_location('prepare_data_tool', tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    assert module.main(['taxibj', '--data-root', str(tmp_path)]) == 1
    assert 'dataset.npz is missing' in capsys.readouterr().err
    assert not (tmp_path / 'taxibj').exists()  # nothing created
    (tmp_path / 'taxibj').mkdir()
    np.savez(tmp_path / 'taxibj' / 'dataset.npz', **_arrays())
    assert module.main(['taxibj', '--data-root', str(tmp_path)]) == 0
    assert 'taxibj: ok' in capsys.readouterr().out


def test_the_check_reads_only_the_array_headers(tmp_path, monkeypatch):
    """Checking a compressed archive (hundreds of MB once decompressed)
    reads each array's shape from its header, never the array."""
    from predrnn.datasets import taxibj
    np.savez_compressed(tmp_path / 'dataset.npz', **_arrays())

    def no_load(*args, **kwargs):
        raise AssertionError('the check loaded an array')

    monkeypatch.setattr(taxibj.np, 'load', no_load)
    assert check_taxibj_file(str(tmp_path / 'dataset.npz')) == []

"""tools/analysis_tools/own_data_ablation.py on a tiny config, 2 iterations
per variant: tables and JSON, baselines computed independently here."""
import importlib.util
import json
import os.path as osp
import sys

import numpy as np
import pytest
from mmengine.config import Config

from predrnn.datasets import SequenceDataset
from predrnn.datasets.sprite_footage import sprites_on_photo
from predrnn.datasets.synthetic_video import write_frames_array

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
import own_data_ablation  # noqa: E402

DATASET = dict(in_frames=2, out_frames=2, color='gray', resize=None,
               window_stride=1, layout=None)
TINY = f'''_base_ = [{osp.join(ROOT, 'configs', 'own_data',
                                 'predrnnv2_video.py')!r}]
model = dict(in_frames=2, out_frames=2, frame_channels=1, num_layers=1,
             num_hidden=4, kernel_size=3,
             sampling=dict(s1=1, s2=2, alpha=1.0))
train_dataloader = dict(batch_size=2, num_workers=0,
                        persistent_workers=False, dataset={DATASET!r})
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset={DATASET!r})
test_dataloader = dict(num_workers=0, persistent_workers=False,
                       dataset={DATASET!r})
default_hooks = dict(logger=dict(interval=1))
log_level = 'WARNING'
'''


@pytest.fixture
def setup(tmp_path, monkeypatch):
    # yapf's formatting of the config dump is most of a tiny run's time
    monkeypatch.setattr(Config, 'pretty_text', property(lambda c: c.text))
    source = str(tmp_path / 'footage.npy')
    write_frames_array(source, sprites_on_photo(120, 16, 16, seed=1))
    config = tmp_path / 'tiny.py'
    config.write_text(TINY)
    return str(config), source, tmp_path / 'out'


def test_two_variants_against_baselines(setup, capsys):
    config, source, out = setup
    own_data_ablation.main([
        config, source, '--iters', '2', '--work-dir', str(out),
        '--threshold', '20', '--variant', 'small', '--variant', 'wide',
        'model.num_hidden=8'])
    with open(out / 'ablation.json') as f:
        report = json.load(f)
    scores = report['scores']
    assert list(scores) == ['small', 'copy-last', 'mean-of-observed',
                            'wide']  # one test set: baselines once
    assert report['variants']['wide']['options'] == {'model.num_hidden': 8}
    for name in ('small', 'wide'):
        assert osp.isfile(out / name / 'iter_2.pth')
    # baselines computed here from the same test windows
    test = SequenceDataset(source, split='test', split_by='time', **dict(
        DATASET, resize=None))
    clips = np.stack([test[i]['inputs'].numpy() for i in range(len(test))
                      ]).astype(np.float64)
    last, truth = clips[:, 1:2], clips[:, 2:]
    np.testing.assert_allclose(scores['copy-last']['mse'],
                               ((truth - last)**2).mean((0, 2, 3, 4)))
    mean = clips[:, :2].mean(1, keepdims=True)
    np.testing.assert_allclose(scores['mean-of-observed']['mae'],
                               np.abs(truth - mean).mean((0, 2, 3, 4)))
    changing = np.abs(truth - last) > 20
    np.testing.assert_allclose(
        scores['copy-last']['changing_mse'],
        [((truth - last)**2)[:, t][changing[:, t]].mean() for t in (0, 1)])
    assert scores['copy-last']['changing_values'] == \
        changing.sum((0, 2, 3, 4)).tolist()
    # the variants are different models, scored on the same windows
    assert scores['small']['mse'] != scores['wide']['mse']
    assert all(np.isfinite(scores['small'][m]).all()
               for m in own_data_ablation.MEASURES)
    assert report['variants']['small']['test_frame_ranges'] == \
        test.metainfo['frame_ranges']
    table = (out / 'ablation.md').read_text()
    for row in ('| small |', '| wide |', '| copy-last |',
                '| mean-of-observed |', '**changing_mse**'):
        assert row in table
    assert f'test frames {test.metainfo["frame_ranges"][0][1]}-' in table


def test_bad_options_and_missing_source_are_named(setup, capsys):
    config, source, out = setup
    with pytest.raises(SystemExit, match='num_hidden.*not KEY=VALUE'):
        own_data_ablation.main([config, source, '--variant', 'v',
                                'num_hidden'])
    with pytest.raises(SystemExit):
        own_data_ablation.main([config, source + '.missing'])
    assert 'does not exist' in capsys.readouterr().err
    assert not out.exists()


def test_tools_test_writes_the_frame_ranges_into_metrics_json(setup):
    config, source, out = setup
    own_data_ablation.main([config, source, '--iters', '1', '--work-dir',
                            str(out), '--variant', 'v'])
    spec = importlib.util.spec_from_file_location(
        'predrnn_test_tool', osp.join(ROOT, 'tools', 'test.py'))
    test_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test_tool)
    test_tool.main([config, str(out / 'v' / 'iter_1.pth'), '--work-dir',
                    str(out / 'test'), '--cfg-options',
                    f'test_dataloader.dataset.source={source}',
                    'test_dataloader.dataset.data_root='])
    found = list((out / 'test').glob('*/metrics.json'))
    with open(found[0]) as f:
        test_set = json.load(f)['test_set']
    assert test_set['name'] == 'frame_ranges'
    assert test_set['frame_ranges'] == [[source, 112, 120]]
    assert test_set['num_windows'] == 5

"""tools/dataset_converters/bair_to_array.py on tiny TFRecords in BAIR's
format (raw 64x64 RGB bytes and 4 actions per frame), read back through the
BAIR config's dataset."""
import importlib.util
import os.path as osp
from pathlib import Path

import numpy as np
import pytest

tfrecord = pytest.importorskip('tfrecord')

TOOL = Path(__file__).parents[2] / 'tools' / 'dataset_converters' / \
    'bair_to_array.py'
T = 14


def _tool():
    spec = importlib.util.spec_from_file_location('bair_to_array', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_split(folder, clips_per_file, seed):
    from tfrecord.writer import TFRecordWriter
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    frames, actions = [], []
    for k, n in enumerate(clips_per_file):
        writer = TFRecordWriter(str(folder / f'traj_{k}.tfrecords'))
        for _ in range(n):
            clip = rng.integers(0, 256, (T, 64, 64, 3)).astype(np.uint8)
            acts = rng.normal(0, 1, (T, 4)).astype(np.float32)
            datum = {}
            for j in range(T):
                datum[f'{j}/image_aux1/encoded'] = (clip[j].tobytes(), 'byte')
                datum[f'{j}/image_main/encoded'] = (b'\0' * 12288, 'byte')
                datum[f'{j}/action'] = (acts[j].tolist(), 'float')
            writer.write(datum)
            frames.append(clip)
            actions.append(acts)
        writer.close()
    return np.stack(frames), np.stack(actions)


def test_arrays_hold_the_records_in_order_and_feed_the_config(tmp_path):
    src = tmp_path / 'softmotion30_44k'
    frames, actions = _write_split(src / 'train', [2, 1], 0)
    _write_split(src / 'test', [1], 1)
    tool = _tool()
    assert tool.main([str(src), str(tmp_path / 'bair')]) == 0
    got = np.load(tmp_path / 'bair' / 'train.npy', mmap_mode='r')
    np.testing.assert_array_equal(got, frames)
    np.testing.assert_array_equal(
        np.load(tmp_path / 'bair' / 'train.actions.npy'), actions)

    from mmengine.config import Config

    from predrnn.registry import DATASETS
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..',
                                   'configs', 'action', 'predrnnv2_bair.py'))
    ds = DATASETS.build(dict(cfg.train_dataloader.dataset,
                             data_root=str(tmp_path / 'bair')))
    assert len(ds) == 3 * (T - 12 + 1)  # every start, as the authors
    item = ds[T - 12 + 2]  # clip 1, start 1
    np.testing.assert_array_equal(item['inputs'].numpy(),
                                  frames[1, 1:13].transpose(0, 3, 1, 2))
    np.testing.assert_allclose(item['conditions'].numpy(), actions[1, 1:13])


def test_existing_outputs_are_kept_and_missing_input_named(tmp_path, capsys):
    tool = _tool()
    assert tool.main([str(tmp_path / 'nothing'), str(tmp_path)]) == 1
    assert 'No TFRecords in' in capsys.readouterr().err
    src = tmp_path / 'src'
    _write_split(src / 'train', [1], 0)
    (tmp_path / 'out').mkdir()
    (tmp_path / 'out' / 'train.npy').write_bytes(b'mine')
    assert tool.main([str(src), str(tmp_path / 'out'), '--splits',
                      'train']) == 1
    assert '--force' in capsys.readouterr().err
    assert (tmp_path / 'out' / 'train.npy').read_bytes() == b'mine'

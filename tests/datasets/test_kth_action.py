"""KTH actions: a tiny folder tree in the published layout, windows against
a re-implementation of the authors' backward scan over all frames, frames
against PIL's reading of the red channel, and the checks of a download."""
import os

import cv2
import numpy as np
import pytest
from PIL import Image

from predrnn.datasets.kth_action import (KTHAction, check_kth_folder,
                                         kth_windows)

# (action, person, frame numbers); 13 is missing in the first folder
FOLDERS = [
    ('boxing', 1, [n for n in range(1, 27) if n != 13]),
    ('boxing', 17, list(range(1, 15))),
    ('running', 1, list(range(5, 17))),
    ('running', 18, list(range(1, 12))),
    ('walking', 2, list(range(1, 9))),
]
SIZE = 8


def _make_tree(root, ext='png'):
    rng = np.random.default_rng(0)
    for action, person, numbers in FOLDERS:
        folder = root / action / f'person{person:02d}_{action}_d1_uncomp'
        folder.mkdir(parents=True)
        for n in numbers:
            rgb = rng.integers(0, 256, (12, 16, 3)).astype(np.uint8)
            Image.fromarray(rgb).save(folder / f'image_{n:04d}.{ext}')
        (folder / 'notes.txt').write_text('not a frame')
    for action in ('handclapping', 'handwaving', 'jogging'):
        (root / action).mkdir()


def _authors_starts(root, persons, length):
    """The authors' scan: all frames of the persons, category by category,
    then backwards with their skips; returns (folder, first file)."""
    files, marks, fast = [], [], []
    mark = 0
    for action in ('boxing', 'handclapping', 'handwaving', 'walking',
                   'jogging', 'running'):
        for name in sorted(os.listdir(root / action)):
            if int(name[6:8]) not in persons:
                continue
            mark += 1
            for f in sorted(os.listdir(root / action / name)):
                if f.startswith('image'):
                    files.append((str(root / action / name), f))
                    marks.append(mark)
                    fast.append(action in ('jogging', 'running'))
    starts, index = [], len(files) - 1
    while index >= length - 1:
        if marks[index] == marks[index - length + 1]:
            end = int(files[index][1][6:10])
            start = int(files[index - length + 1][1][6:10])
            if end - start == length - 1:
                starts.append(files[index - length + 1])
                index -= 2 if fast[index] else length - 1
        index -= 1
    return sorted(starts)


@pytest.mark.parametrize('split, persons', [('train', range(1, 17)),
                                            ('test', range(17, 26))])
def test_windows_are_the_authors(tmp_path, split, persons):
    _make_tree(tmp_path)
    ds = KTHAction(data_root=str(tmp_path), split=split, in_frames=2,
                   out_frames=3, image_size=SIZE)
    got = sorted((ds.sequences[q].path,
                  os.path.basename(ds.sequences[q].files[s]))
                 for q, s in ds.windows)
    want = _authors_starts(tmp_path, persons, 5)
    assert got == want and len(got) > 0


def test_scan_by_hand():
    # 10 consecutive frames, windows of 4: slow ends at 9, 5 (stride 4),
    # fast every 3rd end: 9, 6, 3
    assert kth_windows(list(range(10)), 4, fast=False) == [2, 6]
    assert kth_windows(list(range(10)), 4, fast=True) == [0, 3, 6]
    # a gap between numbers 4 and 6: no window spans it; the scan
    # restarts right before the window it found (position 4)
    assert kth_windows([0, 1, 2, 3, 4, 6, 7, 8, 9], 4, fast=False) == [1, 5]


def test_frames_are_the_red_channel_resized_over_255(tmp_path):
    _make_tree(tmp_path, ext='jpg')
    ds = KTHAction(data_root=str(tmp_path), in_frames=2, out_frames=3,
                   image_size=SIZE)
    q, s = ds.windows[0]
    clip = ds[0]['inputs'].numpy()
    assert clip.shape == (5, 1, SIZE, SIZE) and clip.dtype == np.float32
    for t in range(5):
        red = np.array(Image.open(ds.sequences[q].files[s + t]))[:, :, 0]
        want = cv2.resize(np.float32(red), (SIZE, SIZE)) / 255
        np.testing.assert_allclose(clip[t, 0], want, atol=1e-6)


def test_checks_name_what_is_missing(tmp_path):
    assert 'does not exist' in check_kth_folder(str(tmp_path / 'none'))[0]
    _make_tree(tmp_path)
    problems = check_kth_folder(str(tmp_path))
    assert any('no folders of the persons [3, 4' in p for p in problems)
    with pytest.raises(FileNotFoundError, match='prepare_data.py kth'):
        KTHAction(data_root=str(tmp_path / 'none'))


@pytest.mark.parametrize('config', ['predrnnv2.py',
                                    'predrnnv2_openstl_kth20.py'])
def test_the_configs_train_and_test(tmp_path, monkeypatch, config):
    """Both KTH recipes with a tiny network in a real Runner."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.runner import Runner
    monkeypatch.setattr(Config, 'pretty_text', property(lambda c: c.text))
    _make_tree(tmp_path / 'kth')
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..',
                                   'configs', 'kth', config))
    frames = dict(in_frames=2, out_frames=2)
    loader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                  dataset=dict(frames, data_root=str(tmp_path / 'kth'),
                               image_size=SIZE))
    epochs = 'epoch' in cfg.train_cfg.type.lower()
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path / 'work'), log_level='WARNING',
        model=dict(frames, num_layers=1, num_hidden=4, kernel_size=3,
                   sampling=dict(s1=1, s2=2, alpha=1.0)),
        train_dataloader=loader, val_dataloader=loader,
        test_dataloader=loader, param_scheduler=[],
        train_cfg=dict(max_epochs=1, val_interval=1) if epochs else
        dict(max_iters=2, val_interval=2),
        default_hooks=dict(checkpoint=dict(interval=1 if epochs else 2))))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.test()['mse'] > 0

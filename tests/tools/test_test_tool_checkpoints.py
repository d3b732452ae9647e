"""tools/test.py refuses what is not a usable checkpoint with one clear line,
before a Runner or a work dir is made."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from predrnn.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load('predrnn_test_tool_ckpt', osp.join(ROOT, 'tools', 'test.py'))
tiny = _load('predrnn_test_tool_cases',
             osp.join(ROOT, 'tests', 'tools', 'test_test_tool.py'))


@pytest.fixture(scope='module')
def config(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('test_tool_ckpt')
    (tmp / 'data').mkdir()  # empty: stand-in digits
    path = tmp / 'tiny.py'
    path.write_text(tiny.CONFIG.format(
        runtime=osp.join(ROOT, 'configs/_base_/default_runtime.py'),
        model=osp.join(ROOT, 'configs/_base_/models/predrnnv2.py'),
        t_in=tiny.T_IN, t_out=tiny.T_OUT, patch=tiny.PATCH, size=tiny.SIZE,
        num_clips=tiny.NUM_CLIPS, data_root=str(tmp / 'data')))
    return path


def run(config, checkpoint, tmp_path):
    work_dir = tmp_path / 'work'
    with pytest.raises(SystemExit) as info:
        tool.main([str(config), str(checkpoint), '--work-dir', str(work_dir)])
    assert not work_dir.exists()  # refused before a Runner was made
    return str(info.value.code)


def test_text_file(config, tmp_path):
    # used to end in "IndexError: pop from empty list"
    text = tmp_path / 'iter_5000.pth'
    text.write_text('these are not weights\n')
    message = run(config, text, tmp_path)
    assert message.startswith('error: ')
    assert str(text) in message and 'not a PyTorch checkpoint' in message


def test_directory(config, tmp_path):
    (tmp_path / 'iter_10.pth').write_bytes(b'')
    message = run(config, tmp_path, tmp_path)
    assert 'is a directory' in message and 'iter_10.pth' in message


def test_nan_weights(config, tmp_path):
    torch.manual_seed(0)
    state = MODELS.build(Config.fromfile(str(config)).model).state_dict()
    name = next(k for k, v in state.items()
                if k.startswith('net.') and v.is_floating_point())
    state[name].view(-1)[:3] = float('nan')
    ckpt = tmp_path / 'rotten.pth'
    torch.save(dict(meta={}, state_dict=state), ckpt)
    message = run(config, ckpt, tmp_path)
    assert f'state_dict.{name} (3 NaN, 0 Inf)' in message


def test_default_work_dir_is_the_training_runs(config, tmp_path,
                                               monkeypatch):
    """Without --work-dir the logs and metrics.json go into the work dir
    tools/train.py gives the same config (work_dirs/<folder>/<name>), not
    into work_dirs/<name>, which configs of the same name in other folders
    share."""
    torch.manual_seed(0)
    state = MODELS.build(Config.fromfile(str(config)).model).state_dict()
    ckpt = tmp_path / 'iter_1.pth'
    torch.save(dict(meta={}, state_dict=state), ckpt)
    monkeypatch.chdir(tmp_path)
    cfg = tool.build_config(tool.parse_args([str(config), str(ckpt)]))
    expected = osp.join('work_dirs', osp.basename(osp.dirname(config)),
                        'tiny')
    assert osp.normpath(cfg.work_dir) == expected


def _good_checkpoint(config, tmp_path):
    torch.manual_seed(0)
    state = MODELS.build(Config.fromfile(str(config)).model).state_dict()
    ckpt = tmp_path / 'iter_1.pth'
    torch.save(dict(meta={}, state_dict=state), ckpt)
    return ckpt


def test_config_mistakes_are_one_line_errors(config, tmp_path, capsys,
                                             monkeypatch):
    """A misspelled argument and an option of the wrong type: one line on
    stderr naming it (no traceback, nothing said about training)."""
    from predrnn.utils.cli import run_tool
    monkeypatch.delenv('PREDRNN_DEBUG', raising=False)
    ckpt = _good_checkpoint(config, tmp_path)
    work_dir = tmp_path / 'work'
    for option, expected in (
            ('model.num_hiden=4', 'model.num_hiden'),
            ('test_dataloader.batch_size=abc',
             'test_dataloader.batch_size=abc (an integer expected')):
        assert run_tool(tool.main, [str(config), str(ckpt), '--work-dir',
                                    str(work_dir), '--cfg-options',
                                    option]) == 1
        err = capsys.readouterr().err
        assert err.startswith('error: ') and err.count('\n') == 1, err
        assert expected in err and 'Traceback' not in err
        assert 'training' not in err
    assert not work_dir.exists()

"""tools/convert_checkpoint.py: the authors' and OpenSTL checkpoints become
mmengine checkpoints that give the same predictions in our model."""
import errno
import importlib.util
import os.path as osp
import numpy as np
import pytest
import torch
from mmengine.runner import load_checkpoint

from predrnn.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'convert_checkpoint.py')


def _load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


baseline = _load_module(
    'baseline_predrnn', osp.join(ROOT, 'tools', 'analysis_tools',
                                 'baseline_predrnn.py'))
convert_tool = _load_module('convert_checkpoint', TOOL)

T_IN, T_OUT, P, C, H, W = 3, 2, 2, 1, 8, 12


def tiny_cfg(v2=True, **kw):
    cfg = dict(type='PredRNNv2' if v2 else 'PredRNN', in_frames=T_IN,
               out_frames=T_OUT, frame_channels=C, num_layers=2, num_hidden=8,
               kernel_size=3,
               data_preprocessor=dict(type='VideoDataPreprocessor',
                                      patch_size=P))
    cfg.update(kw)
    return cfg


def tiny_baseline(v2=True, layer_norm=False):
    torch.manual_seed(0)
    return baseline.build_baseline(
        num_layers=2, num_hidden=8, kernel_size=3, patch_size=P,
        frame_channels=C, height=H, width=W, in_frames=T_IN, out_frames=T_OUT,
        layer_norm=layer_norm, v2=v2)


def baseline_predictions(net, clips, v2=True):
    """Future frames (B, T_out, C, H, W) from the authors' code path."""
    frames = baseline.reshape_patch(clips.permute(0, 1, 3, 4, 2).numpy(), P)
    mask = baseline.inference_mask(
        clips.shape[0], T_IN, T_IN + T_OUT, H, W, C, P,
        reverse_scheduled_sampling=v2)
    with torch.no_grad():
        out, _ = net(torch.from_numpy(frames), torch.from_numpy(mask))
    out = baseline.reshape_patch_back(out.numpy(), P)  # (B, T-1, H, W, C)
    return torch.from_numpy(out[:, T_IN - 1:]).permute(0, 1, 4, 2, 3)


def our_predictions(model, clips):
    data = model.data_preprocessor(dict(inputs=clips), False)
    with torch.no_grad():
        return torch.stack([r['pred'] for r in model(**data, mode='predict')])


def run_tool(*args):
    """Run the tool in-process; returns its error message ('' on success)."""
    try:
        convert_tool.main([str(a) for a in args])
    except SystemExit as e:
        return str(e.code)
    return ''


@pytest.mark.parametrize('v2,layer_norm', [(True, False), (False, False),
                                           (True, True)])
def test_authors_checkpoint_gives_same_predictions(tmp_path, v2, layer_norm):
    net = tiny_baseline(v2, layer_norm)
    src = baseline.save_authors_checkpoint(net, str(tmp_path), 1234)
    assert osp.basename(src) == 'model.ckpt-1234'
    dst = tmp_path / 'converted.pth'
    assert convert_tool.main([src, str(dst)]) == 0

    extra = dict(layer_norm=True, frame_size=(H, W)) if layer_norm else {}
    model = MODELS.build(tiny_cfg(v2, **extra))
    load_checkpoint(model, str(dst), map_location='cpu', strict=True)
    model.eval()
    clips = torch.rand(3, T_IN + T_OUT, C, H, W, generator=torch.Generator()
                       .manual_seed(1))
    expected = baseline_predictions(net, clips, v2)
    torch.testing.assert_close(our_predictions(model, clips), expected,
                               rtol=1e-5, atol=1e-6)


def test_openstl_layout_with_model_prefix(tmp_path):
    net = tiny_baseline()
    src = tmp_path / 'openstl.ckpt'
    torch.save({'state_dict': {f'model.{k}': v
                               for k, v in net.state_dict().items()}}, src)
    dst = tmp_path / 'out.pth'
    assert convert_tool.main([str(src), str(dst)]) == 0
    ckpt = torch.load(dst, weights_only=True)
    assert ckpt['meta']['source_layout'] == 'openstl'
    assert set(ckpt['state_dict']) == {f'net.{k}' for k in net.state_dict()}
    for k, v in net.state_dict().items():
        assert torch.equal(ckpt['state_dict'][f'net.{k}'], v)


def test_mismatched_keys_are_named(tmp_path):
    state = dict(tiny_baseline().state_dict())
    del state['cell_list.1.conv_m.0.weight']
    state['cell_list.0.extra.weight'] = torch.zeros(1)
    src = tmp_path / 'model.ckpt-1'
    torch.save({'net_param': state}, src)
    err = run_tool(src, tmp_path / 'out.pth')
    assert 'cell_list.1.conv_m.0.weight' in err
    assert 'cell_list.0.extra.weight' in err
    assert not (tmp_path / 'out.pth').exists()


def test_hyperparameter_mismatch_against_config(tmp_path):
    src = baseline.save_authors_checkpoint(tiny_baseline(), str(tmp_path), 1)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f'model = {tiny_cfg(num_hidden=16)!r}\n')
    err = run_tool(src, tmp_path / 'out.pth', '--config', cfg)
    assert 'num_hidden: checkpoint 8, config 16' in err
    # this tool has no --cfg-options: the fix is the config
    assert 'Edit the model config to match' in err
    assert 'tools/train.py and tools/test.py also take --cfg-options' in err
    assert not (tmp_path / 'out.pth').exists()


def test_a_destination_under_a_file_is_one_line(tmp_path, capsys,
                                                monkeypatch):
    """The OS error of a destination folder that is a file: one line
    with the path, the file untouched."""
    from predrnn.utils.cli import run_tool as cli
    monkeypatch.delenv('PREDRNN_DEBUG', raising=False)
    (tmp_path / 'file').write_text('mine')
    src = baseline.save_authors_checkpoint(tiny_baseline(), str(tmp_path), 1)
    assert cli(convert_tool.main, [src, str(tmp_path / 'file' / 'out.pth')]
               ) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ') and err.count('\n') == 1, err
    assert str(tmp_path / 'file') in err and 'Traceback' not in err
    assert 'not a folder' in err or 'Not a directory' in err
    assert (tmp_path / 'file').read_text() == 'mine'


def test_loading_unconverted_checkpoint_is_refused(tmp_path):
    src = baseline.save_authors_checkpoint(tiny_baseline(), str(tmp_path), 1)
    model = MODELS.build(tiny_cfg())
    with pytest.raises(ValueError, match='convert_checkpoint'):
        load_checkpoint(model, src, map_location='cpu')


def test_existing_destination_is_kept(tmp_path):
    src = baseline.save_authors_checkpoint(tiny_baseline(), str(tmp_path), 1)
    dst = tmp_path / 'precious.pth'
    dst.write_bytes(b'user data')
    assert '--force' in run_tool(src, dst)
    assert dst.read_bytes() == b'user data'


def test_foreign_and_corrupt_sources(tmp_path):
    foreign = tmp_path / 'foreign.pth'
    torch.save({'state_dict': {'backbone.weight': torch.zeros(2)}}, foreign)
    assert 'No PredRNN weights' in run_tool(foreign, tmp_path / 'a.pth')
    corrupt = tmp_path / 'corrupt.pth'
    corrupt.write_bytes(np.random.default_rng(0).bytes(100))
    err = run_tool(corrupt, tmp_path / 'b.pth')
    assert 'not a PyTorch checkpoint' in err and str(corrupt) in err
    assert not (tmp_path / 'b.pth').exists()
    text = tmp_path / 'notes.txt'
    text.write_text('hello\n')
    assert 'is a text file' in run_tool(text, tmp_path / 'c.pth')
    assert 'is a directory' in run_tool(tmp_path, tmp_path / 'd.pth')


def test_source_with_nan_is_refused(tmp_path):
    net = tiny_baseline()
    state = dict(net.state_dict())
    state['cell_list.0.conv_x.0.weight'][0, 0, 0, 0] = float('nan')
    src = tmp_path / 'model.ckpt-7'
    torch.save({'net_param': state}, src)
    err = run_tool(src, tmp_path / 'out.pth')
    assert 'net_param.cell_list.0.conv_x.0.weight (1 NaN, 0 Inf)' in err
    assert not (tmp_path / 'out.pth').exists()


def test_failed_write_keeps_the_old_destination(tmp_path, monkeypatch):
    """Disk full while writing DST (with --force): the old DST is kept
    whole and no partial file is left."""
    src = baseline.save_authors_checkpoint(tiny_baseline(), str(tmp_path), 1)
    dst = tmp_path / 'out' / 'converted.pth'
    assert convert_tool.main([src, str(dst)]) == 0
    old = dst.read_bytes()
    real_save = torch.save

    def disk_full(obj, f, *args, **kwargs):
        with open(f, 'wb') as handle:
            handle.write(b'PK\x03\x04 half a checkpoint')
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(torch, 'save', disk_full)
    with pytest.raises(OSError):
        convert_tool.main([src, str(dst), '--force'])
    monkeypatch.setattr(torch, 'save', real_save)
    assert dst.read_bytes() == old
    assert sorted(p.name for p in dst.parent.iterdir()) == ['converted.pth']


def test_source_is_never_the_destination(tmp_path):
    """Even with --force, converting a file onto itself would replace the
    only copy of the source checkpoint."""
    src = baseline.save_authors_checkpoint(tiny_baseline(), str(tmp_path),
                                           7)
    before = open(src, 'rb').read()
    message = run_tool(src, src, '--force')
    assert 'is the source checkpoint itself' in message
    assert '_converted.pth' in message
    assert open(src, 'rb').read() == before

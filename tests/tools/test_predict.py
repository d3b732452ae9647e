"""tools/predict.py end to end on a tiny checkpoint trained for 2
iterations: every input kind, every format, --future beyond out_frames,
metrics against the true continuation, and the errors."""
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from skimage.metrics import structural_similarity
from mmengine.runner import Runner

from predrnn.apis import forecast, load_forecaster
from predrnn.datasets.synthetic_video import moving_shapes, write_video

ROOT = osp.join(osp.dirname(__file__), '..', '..')
sys.path.insert(0, osp.join(ROOT, 'tools'))
import predict  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'own_data', 'predrnnv2_video.py')
H, W = 16, 24  # non-square
IN, OUT, FUTURE = 3, 2, 5  # FUTURE > OUT: the recurrence goes on


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """(config path, checkpoint path, the video's frames (T, H, W, 3))."""
    tmp = tmp_path_factory.mktemp('predict')
    frames = moving_shapes(60, H, W, seed=0)
    np.save(tmp / 'train.npy', frames)  # THWC uint8, exact
    cfg = Config.fromfile(CONFIG)
    dataset = dict(source=str(tmp / 'train.npy'), layout='THWC',
                   data_root='', in_frames=IN, out_frames=OUT,
                   resize=(H, W), window_stride=2,
                   split_ratios=(0.6, 0.2, 0.2))
    cfg.merge_from_dict(dict(
        work_dir=str(tmp / 'work'),
        model=dict(in_frames=IN, out_frames=OUT, num_layers=1, num_hidden=4,
                   kernel_size=3, sampling=dict(s1=1, s2=2, alpha=1.0)),
        **{f'{split}_dataloader': dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            dataset=dict(dataset, split=split))
           for split in ('train', 'val', 'test')},
        train_cfg=dict(max_iters=2, val_interval=100),
        default_hooks=dict(checkpoint=dict(interval=2)),
        log_level='WARNING'))
    orig = Config.pretty_text
    Config.pretty_text = property(lambda c: c.text)  # skip yapf: faster
    try:
        Runner.from_cfg(cfg).train()
    finally:
        Config.pretty_text = orig
    config = str(tmp / 'config.py')
    cfg.dump(config)
    return config, str(tmp / 'work' / 'iter_2.pth'), frames, tmp


def _run(trained, inp, out, *extra):
    config, ckpt = trained[:2]
    return predict.main([config, ckpt, str(inp), '--out-dir', str(out),
                         '--device', 'cpu', *extra])


def _chw(frames):
    return frames.transpose(0, 3, 1, 2)


def test_every_format_from_a_npy_clip_in_data_units(trained, tmp_path):
    frames = trained[2]
    clip = frames[10:20]
    np.save(tmp_path / 'clip.npy', clip)
    _run(trained, tmp_path / 'clip.npy', tmp_path / 'out', '--future',
         str(FUTURE), '--format', 'png', 'gif', 'mp4', 'npy', '--layout',
         'THWC')
    out = tmp_path / 'out' / 'clip_npy'
    observed = np.load(out / 'observed.npy')
    pred = np.load(out / 'forecast.npy')
    # round trip: observed frames come back in the input's units exactly
    np.testing.assert_array_equal(observed, _chw(clip[-IN:]))
    assert pred.shape == (FUTURE, 3, H, W) and pred.dtype == np.float32
    assert not (out / 'truth.npy').exists()  # last frames: no truth
    assert len(os.listdir(out / 'forecast')) == FUTURE
    assert len(os.listdir(out / 'observed')) == IN
    for name in ('strip.png', 'forecast.gif', 'forecast.mp4'):
        assert (out / name).stat().st_size > 0
    cap = cv2.VideoCapture(str(out / 'forecast.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == IN + FUTURE
    cap.release()
    strip = cv2.imread(str(out / 'strip.png'))
    # the labelled strip: observed and forecast rows (no truth), frames
    # enlarged to at least 64 px
    side = H * -(-64 // min(H, W))
    assert strip.shape[0] == 2 * side + 2


def test_rollout_matches_the_models_predict_mode(trained):
    """The first out_frames of the forecast are the model's own test-time
    predictions (data units = normalised x 255)."""
    model, _ = load_forecaster(*trained[:2])
    clip = torch.from_numpy(_chw(trained[2][5:5 + IN + OUT]).copy())[None]
    batch = model.data_preprocessor(dict(inputs=clip))
    expected = model(batch['inputs'], mode='predict')[0]['pred'] * 255.
    got = forecast(model, clip[:, :IN], FUTURE)
    torch.testing.assert_close(got[0, :OUT], expected, atol=1e-3, rtol=1e-5)
    longer = forecast(model, clip[:, :IN], OUT)  # prefix property
    torch.testing.assert_close(got[:, :OUT], longer)


def test_video_frame_folder_and_many_clips_with_truth(trained, tmp_path,
                                                      capsys):
    frames = trained[2]
    write_video(str(tmp_path / 'in' / 'a.avi'), frames[:12])
    os.makedirs(tmp_path / 'in' / 'b')
    for t in range(12):
        cv2.imwrite(str(tmp_path / 'in' / 'b' / f'f{t}.png'),
                    cv2.cvtColor(frames[t], cv2.COLOR_RGB2BGR))
    np.save(tmp_path / 'in' / 'c.npy', frames[None, :12])  # NTHWC, 1 clip
    with open(tmp_path / 'in' / 'c.json', 'w') as f:
        f.write('{"layout": "NTHWC"}')  # sidecar
    _run(trained, tmp_path / 'in', tmp_path / 'out', '--future', '6',
         '--start', '2', '--format', 'npy', '--batch-size', '2')
    printed = capsys.readouterr().out
    for name in ('a_avi', 'b', 'c_npy'):
        out = tmp_path / 'out' / name
        pred = np.load(out / 'forecast.npy')
        truth = np.load(out / 'truth.npy')
        assert pred.shape == (6, 3, H, W) and truth.shape == (6, 3, H, W)
        observed = np.load(out / 'observed.npy')
        mse = ((pred.astype(np.float64) - truth)**2).mean()
        base = ((observed[-1][None].astype(np.float64) - truth)**2).mean()
        assert f'{name}: 6 true future frames; MSE {mse:.4g}' in printed
        assert f'baseline MSE {base:.4g}' in printed
        # PSNR and SSIM over the declared data_range [0, 255], all channels
        psnr = 10 * np.log10(255.**2 / ((pred.astype(np.float64) - truth)**2
                                        ).mean(axis=(1, 2, 3))).mean()
        ssim = np.mean([structural_similarity(
            p.transpose(1, 2, 0).astype(np.float64),
            t.transpose(1, 2, 0).astype(np.float64), channel_axis=-1,
            data_range=255.) for p, t in zip(pred, truth)])
        assert f'MSE {mse:.4g} / MAE ' in printed
        assert f'PSNR {psnr:.2f} dB, SSIM {ssim:.3f}; copy-last' in printed
    # exact input kinds give exactly the input frames as observed / truth
    for name in ('b', 'c_npy'):
        out = tmp_path / 'out' / name
        np.testing.assert_array_equal(np.load(out / 'truth.npy'),
                                      _chw(frames[5:11]))
    assert 'all 3 clips' in printed


def test_future_must_be_positive(trained, tmp_path):
    """--future 0 fell back to out_frames silently."""
    np.save(tmp_path / 'c.npy', trained[2][:8])
    with pytest.raises(ValueError, match='--future must be >= 1'):
        _run(trained, tmp_path / 'c.npy', tmp_path / 'o', '--layout', 'THWC',
             '--future', '0')


def test_too_few_frames(trained, tmp_path):
    np.save(tmp_path / 'short.npy', trained[2][:IN - 1])
    with pytest.raises(ValueError, match='short.npy has 2 frames.*in_frames '
                       '= 3'):
        _run(trained, tmp_path / 'short.npy', tmp_path / 'o', '--layout',
             'THWC')


def test_channels_that_do_not_match_the_checkpoint(trained, tmp_path):
    # the config's color='rgb' converts a grey input, as in training
    np.save(tmp_path / 'gray.npy', trained[2][:8, :, :, 0])
    _run(trained, tmp_path / 'gray.npy', tmp_path / 'o', '--layout', 'THW',
         '--format', 'npy')
    assert np.load(tmp_path / 'o' / 'gray_npy' / 'forecast.npy').shape == (
        OUT, 3, H, W)
    model, _ = load_forecaster(*trained[:2])
    with pytest.raises(ValueError, match='1 channels.*trained on 3'):
        forecast(model, torch.zeros(1, IN, 1, H, W, dtype=torch.uint8), 2)


def test_checkpoint_of_another_channel_count(trained, tmp_path):
    cfg = Config.fromfile(trained[0])
    cfg.model.frame_channels = 1
    cfg.dump(str(tmp_path / 'gray_cfg.py'))
    with pytest.raises(Exception, match='channel'):
        load_forecaster(str(tmp_path / 'gray_cfg.py'), trained[1])


def test_float_input_without_normalisation_stays_in_its_units(trained):
    """Without a declared normalisation floats in [0, 1] are the model's
    own units: the forecast must come back in [0, 1] (it came back x255),
    the same numbers as the uint8 clip's forecast / 255."""
    from predrnn.apis import display_range
    model, _ = load_forecaster(*trained[:2])
    model.data_preprocessor.set_normalization(None)
    clip = torch.from_numpy(_chw(trained[2][5:5 + IN]).copy())[None]
    from_uint8 = forecast(model, clip, FUTURE)
    from_float = forecast(model, clip.float() / 255., FUTURE)
    torch.testing.assert_close(from_float, from_uint8 / 255., atol=1e-5,
                               rtol=1e-5)
    assert display_range(None, clip.float().numpy() / 255.) == (0.0, 1.0)
    assert display_range(None, clip.numpy()) == (0.0, 255.0)


def test_frame_size_other_than_a_layer_norm_model_was_built_for(trained):
    """A layer-norm model only runs on its frame_size: named, with the
    fix, instead of LayerNorm's shape error."""
    from predrnn.registry import MODELS
    cfg = Config.fromfile(trained[0])
    cfg.model.update(layer_norm=True, frame_size=(H, W))
    model = MODELS.build(cfg.model).eval()
    assert forecast(model, torch.zeros(1, IN, 3, H, W), 1).shape == (
        1, 1, 3, H, W)
    with pytest.raises(ValueError, match=r'32x48.*16x24.*resize=\(16, 24\)'):
        forecast(model, torch.zeros(1, IN, 3, 2 * H, 2 * W), 1)


def test_a_rerun_leaves_no_stale_outputs_of_the_previous_one(tmp_path):
    """truth.npy and forecast frames of an earlier run (with --start, a
    longer --future) must not sit beside a new forecast they don't match."""
    from predrnn.apis import write_forecast
    obs = np.zeros((3, 1, 4, 4), np.uint8)
    out = tmp_path / 'clip'
    write_forecast(str(out), obs, np.zeros((6, 1, 4, 4), np.float32),
                   ('png', 'npy'), truth=np.zeros((6, 1, 4, 4)))
    assert len(os.listdir(out / 'forecast')) == 6
    (out / 'forecast' / 'mine.png').write_bytes(b'user file')  # kept
    write_forecast(str(out), obs, np.ones((2, 1, 4, 4), np.float32),
                   ('png', 'npy'))
    assert sorted(os.listdir(out / 'forecast')) == ['0000.png', '0001.png',
                                                    'mine.png']
    assert not (out / 'truth.npy').exists()
    assert np.load(out / 'forecast.npy').shape == (2, 1, 4, 4)


def test_a_rerun_never_touches_files_it_did_not_write(tmp_path):
    """Files of the writer's names that it did not write are the user's:
    never removed as stale, and never overwritten (refused, naming them)."""
    from predrnn.apis import write_forecast
    from predrnn.apis.forecast_writer import MANIFEST
    obs = np.zeros((3, 1, 4, 4), np.uint8)
    out = tmp_path / 'clip'
    (out / 'forecast').mkdir(parents=True)
    (out / 'forecast' / '0009.png').write_bytes(b'user frame')
    (out / 'truth.npy').write_bytes(b'user array')
    write_forecast(str(out), obs, np.ones((2, 1, 4, 4), np.float32),
                   ('png', ))
    assert (out / 'forecast' / '0009.png').read_bytes() == b'user frame'
    assert (out / 'truth.npy').read_bytes() == b'user array'
    assert (out / MANIFEST).is_file()
    # a user file where this run would write: refused, nothing changed
    (out / 'forecast.npy').write_bytes(b'user forecast')
    before = sorted(p.name for p in out.rglob('*'))
    with pytest.raises(FileExistsError, match='forecast.npy.*did not write'):
        write_forecast(str(out), obs, np.ones((2, 1, 4, 4), np.float32),
                       ('png', 'npy'))
    assert (out / 'forecast.npy').read_bytes() == b'user forecast'
    assert sorted(p.name for p in out.rglob('*')) == before


def _tool(trained, inp, out, *extra):
    """predict.py as the command line runs it: (status, stderr lines)."""
    from predrnn.utils.cli import run_tool
    config, ckpt = trained[:2]
    return run_tool(predict.main, [config, ckpt, str(inp), '--out-dir',
                                   str(out), '--device', 'cpu', *extra])


def _one_line(capsys):
    err = capsys.readouterr().err
    assert err.startswith('error: ') and err.count('\n') == 1, err
    assert 'Traceback' not in err
    return err


def test_bad_arguments_are_one_line_errors(trained, tmp_path, capsys,
                                           monkeypatch):
    monkeypatch.delenv('PREDRNN_DEBUG', raising=False)
    np.save(tmp_path / 'c.npy', trained[2][:8])
    clip = tmp_path / 'c.npy'
    config = trained[0]
    from predrnn.utils.cli import run_tool
    assert run_tool(predict.main, [config, str(tmp_path / 'nope.pth'),
                                   str(clip)]) == 1
    assert 'nope.pth' in _one_line(capsys)
    assert _tool(trained, clip, tmp_path / 'o', '--layout', 'THWC',
                 '--start', '-5') == 1
    assert '--start -5' in _one_line(capsys)
    (tmp_path / 'file').write_text('mine')
    assert _tool(trained, clip, tmp_path / 'file', '--layout', 'THWC') == 1
    err = _one_line(capsys)
    assert str(tmp_path / 'file') in err and 'is a file' in err
    assert (tmp_path / 'file').read_text() == 'mine'
    monkeypatch.setattr(os, 'access', lambda *args: False)
    assert _tool(trained, clip, tmp_path / 'ro' / 'o', '--layout',
                 'THWC') == 1
    assert 'not writable' in _one_line(capsys)
    assert not (tmp_path / 'ro').exists()


def test_full_disk_is_one_line_and_leaves_no_partial_file(trained, tmp_path,
                                                         capsys,
                                                         monkeypatch):
    import errno
    monkeypatch.delenv('PREDRNN_DEBUG', raising=False)
    np.save(tmp_path / 'c.npy', trained[2][:8])

    import importlib
    module = importlib.import_module('predrnn.utils.atomic_write')
    fsync = module._fsync

    def full(path):  # the arrays reach the disk at the flush: too large
        if '.npy.' in path:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(path)

    monkeypatch.setattr(module, '_fsync', full)
    out = tmp_path / 'o'
    assert _tool(trained, tmp_path / 'c.npy', out, '--layout', 'THWC',
                 '--format', 'npy') == 1
    err = _one_line(capsys)
    assert f'{out / "c_npy" / "observed.npy"}: No space left' in err
    assert 'free space' in err
    assert sorted(os.listdir(out / 'c_npy')) == ['.predict_outputs.json']


def test_file_size_limit_is_one_line(trained, tmp_path):
    """EFBIG for real: a file-size limit (ulimit -f) in a subprocess."""
    import resource
    import subprocess
    np.save(tmp_path / 'c.npy', trained[2][:8])
    out = tmp_path / 'o'

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8000, 8000))

    result = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'predict.py'), trained[0],
         trained[1], str(tmp_path / 'c.npy'), '--out-dir', str(out),
         '--layout', 'THWC', '--format', 'npy', '--device', 'cpu'],
        preexec_fn=limit, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PREDRNN_DEBUG='0'))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith('error: ') and 'Traceback' not in (
        result.stderr), result.stderr
    assert 'File too large' in lines[-1] and 'ulimit -f' in lines[-1]
    assert 'observed.npy' in lines[-1]
    assert sorted(os.listdir(out / 'c_npy')) == ['.predict_outputs.json']


def test_strip_with_truth_has_the_error_row(tmp_path):
    """With the truth known the strip is the labelled one of --show-dir:
    observed, truth, forecast and error rows; frames shown unchanged below
    their step number."""
    from predrnn.apis.forecast_writer import write_forecast
    from predrnn.visualization.labelled_strip import LABEL_WIDTH
    rng = np.random.default_rng(0)
    observed = rng.integers(0, 256, (3, 1, 16, 16)).astype(np.uint8)
    truth = rng.integers(0, 256, (2, 1, 16, 16)).astype(np.uint8)
    pred = truth.astype(np.float32) + 20
    write_forecast(str(tmp_path), observed, pred, ('png', ), truth=truth)
    strip = cv2.imread(str(tmp_path / 'strip.png'))
    side = 64  # 16 px frames enlarged 4 times
    assert strip.shape == (4 * side + 3 * 2,
                           LABEL_WIDTH + 3 * (side + 2) - 2, 3)
    top = side + 2  # the truth row, first frame
    np.testing.assert_array_equal(
        strip[top + 16:top + side, LABEL_WIDTH:LABEL_WIDTH + side, 0],
        truth[0, 0].repeat(4, 0).repeat(4, 1)[16:])

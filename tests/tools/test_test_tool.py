"""tools/test.py end to end on a tiny PredRNN-V2 and a generated Moving MNIST
test set: exit code, printed table, metrics.json (checked against metrics
computed here with numpy and scikit-image), per-step curves, the --show-dir
strips and GIFs, and clear refusals of missing or unconverted checkpoints.

The real run is a subprocess (``python tools/test.py ...``), started once
per module; the refusals call ``main(argv)`` in-process (they stop before
any test iteration).
"""
import glob
import hashlib
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image
from skimage.metrics import structural_similarity

from predrnn.registry import DATASETS, MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'test.py')

T_IN, T_OUT, SIZE, PATCH, NUM_CLIPS, SHOW_NUM, SEP = 3, 2, 16, 2, 6, 3, 2
# Keys the metric must report: the model's and the copy-last baseline's.
NAMES = ('mse', 'mae', 'psnr', 'ssim')
KEYS = [p + n for p in ('', 'copy_last/') for n in NAMES]

CONFIG = """\
_base_ = [{runtime!r}, {model!r}]
model = dict(
    in_frames={t_in}, out_frames={t_out}, num_layers=2, num_hidden=4,
    kernel_size=3,
    data_preprocessor=dict(type='VideoDataPreprocessor', patch_size={patch}))
test_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='MovingMNIST', data_root={data_root!r}, split='test',
        in_frames={t_in}, out_frames={t_out}, image_size={size},
        digit_size=8, num_clips={num_clips}, num_stand_in_digits=10))
test_evaluator = dict(type='VideoPredictionMetric', return_per_step=True)
test_cfg = dict(type='TestLoop')
default_hooks = dict(logger=dict(interval=1))
"""


def _load_tool():
    spec = importlib.util.spec_from_file_location('predrnn_test_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _one_thread_env() -> dict:
    # Tiny tensors: extra intra-op threads only spin on a busy machine.
    return dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')


@pytest.fixture(autouse=True)
def _restore_default_scope():
    """A Runner made in-process leaves its default scope current ('mmengine'
    for the prefixed config), which would break bare-name builds in later
    test files; put back whatever was current before."""
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict = saved


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """Config, checkpoint and the one real run of tools/test.py."""
    tmp = tmp_path_factory.mktemp('test_tool')
    (tmp / 'data').mkdir()  # empty: stand-in digits
    config = tmp / 'tiny_predrnnv2.py'
    config.write_text(CONFIG.format(
        runtime=osp.join(ROOT, 'configs/_base_/default_runtime.py'),
        model=osp.join(ROOT, 'configs/_base_/models/predrnnv2.py'),
        t_in=T_IN, t_out=T_OUT, patch=PATCH, size=SIZE,
        num_clips=NUM_CLIPS, data_root=str(tmp / 'data')))
    cfg = Config.fromfile(str(config))
    # Seed 0 here; the Runner seeds 42 before building its model, so its
    # weights differ from these unless the checkpoint is really loaded.
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ckpt = tmp / 'tiny.pth'
    torch.save({'meta': {}, 'state_dict': model.state_dict()}, str(ckpt))

    work_dir, show_dir = tmp / 'work', tmp / 'show'
    proc = subprocess.run(
        [sys.executable, TOOL, str(config), str(ckpt), '--work-dir',
         str(work_dir), '--show-dir', str(show_dir), '--show-num',
         str(SHOW_NUM)],
        cwd=str(tmp), env=_one_thread_env(), capture_output=True, text=True,
        timeout=300)
    return dict(tmp=tmp, config=config, cfg=cfg, model=model, ckpt=ckpt,
                work_dir=work_dir, show_dir=show_dir, proc=proc)


@pytest.fixture(scope='module')
def expected(setup):
    """Metrics of the model and of the copy-last baseline, computed here.

    docs/en/evaluation.md and VideoPredictionMetric's documentation: per future
    frame,
    MSE / MAE are sums over channels and pixels of the raw prediction's
    error; PSNR is -10 log10 of the mean squared error and SSIM is
    scikit-image's (7x7 window, data_range=1) on the prediction clipped to
    [0, 1], capped at 100 dB; then averaged over clips (per step) and
    frames (scalar).
    """
    dataset = DATASETS.build(setup['cfg'].test_dataloader.dataset)
    assert len(dataset) == NUM_CLIPS
    clips = torch.stack([dataset[i]['inputs'] for i in range(NUM_CLIPS)])
    model = setup['model'].eval()
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=clips), False)
        outputs = model(**data, mode='predict')
    frames = clips.double().numpy() / 255.0  # (N, T, C, H, W)
    gt = frames[:, T_IN:]
    preds = {
        '': np.stack([o['pred'].double().numpy() for o in outputs]),
        'copy_last/': np.repeat(frames[:, T_IN - 1:T_IN], T_OUT, axis=1),
    }
    per_step = {}
    for prefix, pred in preds.items():
        assert pred.shape == gt.shape
        err = pred - gt
        clipped = np.clip(pred, 0.0, 1.0)
        per_step[prefix + 'mse'] = (err**2).sum(axis=(2, 3, 4))
        per_step[prefix + 'mae'] = np.abs(err).sum(axis=(2, 3, 4))
        frame_mse = ((clipped - gt)**2).mean(axis=(2, 3, 4))
        # the documented cap: a frame with (almost) no error scores 100 dB
        # (with 8-pixel digits moving 0.8 px per frame, a future frame can
        # equal the last observed one, so the baseline does hit it)
        per_step[prefix + 'psnr'] = np.where(
            frame_mse < 1e-10, 100.0,
            -10.0 * np.log10(np.maximum(frame_mse, 1e-300)))
        per_step[prefix + 'ssim'] = np.array([[
            structural_similarity(
                gt[n, t, 0], clipped[n, t, 0], win_size=7, data_range=1.0)
            for t in range(T_OUT)] for n in range(NUM_CLIPS)])
    curves = {k: v.mean(axis=0) for k, v in per_step.items()}
    return dict(curves=curves, clips=clips, outputs=outputs)


def _log_dir(setup) -> str:
    found = glob.glob(osp.join(str(setup['work_dir']), '*', 'metrics.json'))
    assert len(found) == 1, found
    return osp.dirname(found[0])


def test_exit_code_and_printed_table(setup):
    proc = setup['proc']
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    header = [i for i, line in enumerate(lines)
              if line.split()[:2] == ['metric', 'model']]
    assert header, proc.stdout[-3000:]
    assert 'copy last frame' in lines[header[-1]]
    rows = {}
    for line in lines[header[-1] + 2:header[-1] + 2 + len(NAMES)]:
        name, model_value, baseline_value = line.split()
        rows[name] = (float(model_value), float(baseline_value))
    assert list(rows) == list(NAMES)
    with open(osp.join(_log_dir(setup), 'metrics.json')) as f:
        metrics = json.load(f)
    for name, (model_value, baseline_value) in rows.items():
        assert model_value == pytest.approx(metrics[name], abs=1e-4)
        assert baseline_value == pytest.approx(
            metrics['copy_last/' + name], abs=1e-4)
    # the tool says where the files went
    assert f'Metrics: {osp.join(_log_dir(setup), "metrics.json")}' in (
        proc.stdout)


def test_metrics_json_has_the_generated_set_checksum(setup):
    assert setup['proc'].returncode == 0, setup['proc'].stderr[-3000:]
    with open(osp.join(_log_dir(setup), 'metrics.json')) as f:
        test_set = json.load(f)['test_set']
    assert test_set['name'] == 'generated'
    with open(test_set['path'], 'rb') as f:
        assert test_set['sha256'] == hashlib.sha256(f.read()).hexdigest()
    log = glob.glob(osp.join(_log_dir(setup), '*.log'))
    with open(log[0]) as f:
        assert f"sha256 {test_set['sha256']}" in f.read()


def test_metrics_json_matches_independent_computation(setup, expected):
    assert setup['proc'].returncode == 0, setup['proc'].stderr[-3000:]
    with open(osp.join(_log_dir(setup), 'metrics.json')) as f:
        metrics = json.load(f)
    for key in KEYS:
        curve = metrics[key + '_per_step']
        assert isinstance(curve, list) and len(curve) == T_OUT, key
        assert isinstance(metrics[key], float), key
        np.testing.assert_allclose(curve, expected['curves'][key],
                                   rtol=1e-5, atol=1e-6, err_msg=key)
        assert metrics[key] == pytest.approx(
            expected['curves'][key].mean(), rel=1e-5, abs=1e-6), key
    # the untrained model is worse than copying the last frame: a sanity
    # check that the two sets of numbers are not swapped
    assert metrics['mse'] > metrics['copy_last/mse']


def test_per_step_curves_png(setup):
    assert setup['proc'].returncode == 0, setup['proc'].stderr[-3000:]
    image = cv2.imread(osp.join(_log_dir(setup), 'per_step_curves.png'))
    assert image is not None
    height, width = image.shape[:2]
    assert 200 <= height <= 2000 and 600 <= width <= 6000
    assert image.std() > 0  # not a blank canvas


def test_show_dir_strips_and_gifs(setup, expected):
    assert setup['proc'].returncode == 0, setup['proc'].stderr[-3000:]
    show_dir = str(setup['show_dir'])
    stems = [f'test_clip_{i:05d}' for i in range(SHOW_NUM)]
    assert sorted(os.listdir(show_dir)) == sorted(
        [s + '.png' for s in stems] + [s + '.gif' for s in stems])
    # the labelled strip: label column, frames enlarged to 64 px (nearest
    # neighbour), rows observed / truth / forecast / error
    from predrnn.visualization.labelled_strip import LABEL_WIDTH
    k = -(-64 // SIZE)
    side = SIZE * k
    strip_shape = (4 * side + 3 * SEP,
                   LABEL_WIDTH + max(T_IN, T_OUT) * (side + SEP) - SEP, 3)

    def enlarged(frame):
        return frame.repeat(k, 0).repeat(k, 1)[16:]  # below the step number

    for i, stem in enumerate(stems):
        strip = cv2.imread(osp.join(show_dir, stem + '.png'))
        assert strip is not None and strip.shape == strip_shape
        # row 1: the observed frames of clip i; row 3: its prediction
        clip = expected['clips'][i].numpy()
        for t in range(T_IN):
            x0 = LABEL_WIDTH + t * (side + SEP)
            np.testing.assert_array_equal(
                strip[16:side, x0:x0 + side, 1], enlarged(clip[t, 0]))
        pred = expected['outputs'][i]['pred'].numpy()
        y0 = 2 * (side + SEP)
        for t in range(T_OUT):
            x0 = LABEL_WIDTH + t * (side + SEP)
            want = np.rint(np.clip(pred[t, 0], 0, 1) * 255)
            np.testing.assert_allclose(
                strip[y0 + 16:y0 + side, x0:x0 + side, 1], enlarged(want),
                atol=1)

        gif_file = osp.join(show_dir, stem + '.gif')
        with open(gif_file, 'rb') as f:
            assert f.read(4) == b'GIF8'
        with Image.open(gif_file) as gif:
            assert gif.n_frames == T_IN + T_OUT
            assert gif.size == (2 * SIZE + SEP, SIZE)  # (width, height)


def test_missing_checkpoint_is_a_clear_error(setup, capsys):
    tool = _load_tool()
    missing = str(setup['tmp'] / 'no_such.pth')
    with pytest.raises(SystemExit) as info:
        tool.main([str(setup['config']), missing, '--work-dir',
                   str(setup['tmp'] / 'work_missing')])
    message = str(info.value.code)
    assert message.startswith(f'error: Checkpoint {missing!r} does not '
                              'exist.')
    assert 'Expected a checkpoint written by torch.save' in message
    # refused before a Runner (and its work dir) is made
    assert not (setup['tmp'] / 'work_missing').exists()


def _unconverted_checkpoints(model) -> dict:
    net = {k[len('net.'):]: v for k, v in model.state_dict().items()
           if k.startswith('net.')}
    assert any(k.startswith('cell_list.') for k in net)
    return {
        # the authors' model.ckpt-<iter>
        'authors': {'net_param': net},
        # OpenSTL / Lightning: tensors under a 'model.' prefix
        'openstl': {'state_dict': {f'model.{k}': v for k, v in net.items()}},
        # some other network altogether
        'foreign': {'meta': {}, 'state_dict': {
            'backbone.conv1.weight': torch.zeros(4, 1, 3, 3)}},
    }


@pytest.mark.parametrize('kind', ['authors', 'openstl', 'foreign'])
def test_unconverted_checkpoint_is_refused(setup, kind):
    ckpt = setup['tmp'] / f'{kind}.pth'
    torch.save(_unconverted_checkpoints(setup['model'])[kind], str(ckpt))
    work_dir = setup['tmp'] / f'work_{kind}'
    tool = _load_tool()
    with pytest.raises((SystemExit, Exception)) as info:
        tool.main([str(setup['config']), str(ckpt), '--work-dir',
                   str(work_dir), '--cfg-options',
                   f'experiment_name=refuse_{kind}'])
    message = str(info.value.code if isinstance(info.value, SystemExit)
                  else info.value)
    assert 'tools/convert_checkpoint.py' in message
    # nothing was evaluated
    assert not glob.glob(osp.join(str(work_dir), '*', 'metrics.json'))


# The same model and data, but a config outside the predrnn scope: no
# default_scope (mmengine's is used), the plugin imported by custom_imports
# and named with the 'predrnn.' prefix (nested model types included, see
# tests/test_plugin_scope.py), and its own VideoVisualizationHook.
PREFIXED_CONFIG = """\
custom_imports = dict(imports=['predrnn'], allow_failed_imports=False)
model = dict(
    type='predrnn.PredRNNv2', in_frames={t_in}, out_frames={t_out},
    num_layers=2, num_hidden=4, kernel_size=3,
    sampling=dict(type='predrnn.ReverseScheduledSampling'),
    data_preprocessor=dict(type='predrnn.VideoDataPreprocessor',
                           patch_size={patch}))
test_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='predrnn.MovingMNIST', data_root={data_root!r}, split='test',
        in_frames={t_in}, out_frames={t_out}, image_size={size},
        digit_size=8, num_clips={num_clips}, num_stand_in_digits=10))
test_evaluator = dict(type='predrnn.VideoPredictionMetric')
test_cfg = dict()
custom_hooks = [dict(type='predrnn.VideoVisualizationHook', num_clips=5)]
visualizer = dict(type='predrnn.VideoVisualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
"""


def test_show_dir_with_a_config_outside_the_scope(setup, expected, capsys):
    """--show-dir replaces the config's prefixed hook by one that builds in
    mmengine's default scope (it used to add a bare-named second hook, a
    KeyError outside the predrnn scope)."""
    config = setup['tmp'] / 'prefixed.py'
    config.write_text(PREFIXED_CONFIG.format(
        t_in=T_IN, t_out=T_OUT, patch=PATCH, size=SIZE,
        num_clips=NUM_CLIPS, data_root=str(setup['tmp'] / 'data')))
    work_dir = setup['tmp'] / 'work_prefixed'
    metrics = _load_tool().main([
        str(config), str(setup['ckpt']), '--work-dir', str(work_dir),
        '--show-dir', 'show', '--show-num', '2'])
    np.testing.assert_allclose(metrics['mse_per_step'],
                               expected['curves']['mse'], rtol=1e-5)
    log_dir = glob.glob(osp.join(str(work_dir), '*', 'metrics.json'))
    assert len(log_dir) == 1
    log_dir = osp.dirname(log_dir[0])
    # a relative --show-dir goes under the run's log dir, as printed
    assert f'Visualisations: {osp.join(log_dir, "show")}' in \
        capsys.readouterr().out
    assert sorted(os.listdir(osp.join(log_dir, 'show'))) == [
        'test_clip_00000.gif', 'test_clip_00000.png', 'test_clip_00001.gif',
        'test_clip_00001.png'
    ]
    # only one hook drew: 2 strips logged, not the config's 5
    assert sorted(os.listdir(osp.join(log_dir, 'vis_data', 'vis_image'))) == [
        'test_clip_00000_0.png', 'test_clip_00001_0.png'
    ]
    assert not osp.exists(osp.join(log_dir, 'vis_data', 'vis_gif'))


# --------------------------------------------------------------------- #
# Distributed evaluation on the CPU, launchers, the training config copy
# --------------------------------------------------------------------- #
def test_two_processes_on_cpu_give_the_single_process_metrics(setup):
    """torchrun with 2 processes on a machine without CUDA (gloo): the
    metrics gathered over both ranks equal the one-process run's."""
    assert setup['proc'].returncode == 0, setup['proc'].stderr[-3000:]
    work_dir = setup['tmp'] / 'work_ddp'
    env = dict(_one_thread_env(), CUDA_VISIBLE_DEVICES='')
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--standalone',
         '--nproc_per_node', '2', TOOL, str(setup['config']),
         str(setup['ckpt']), '--work-dir', str(work_dir), '--launcher',
         'pytorch'],
        cwd=str(setup['tmp']), env=env, capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    found = glob.glob(osp.join(str(work_dir), '*', 'metrics.json'))
    assert len(found) == 1, found  # rank 0 alone writes
    with open(found[0]) as f:
        two = json.load(f)
    with open(osp.join(_log_dir(setup), 'metrics.json')) as f:
        one = json.load(f)
    for key in KEYS:
        assert two[key] == pytest.approx(one[key], rel=1e-6, abs=1e-9), key
        np.testing.assert_allclose(two[key + '_per_step'],
                                   one[key + '_per_step'], rtol=1e-6)


@pytest.mark.parametrize('launcher,how', [('pytorch', 'torchrun'),
                                          ('slurm', 'srun')])
def test_launcher_without_its_environment(setup, monkeypatch, launcher,
                                          how):
    for name in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT',
                 'SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'):
        monkeypatch.delenv(name, raising=False)
    work_dir = setup['tmp'] / f'work_{launcher}'
    with pytest.raises(SystemExit) as info:
        _load_tool().main([str(setup['config']), str(setup['ckpt']),
                           '--work-dir', str(work_dir), '--launcher',
                           launcher])
    message = str(info.value.code)
    assert f'--launcher {launcher}' in message and how in message
    assert not work_dir.exists()


def test_training_config_copy_is_kept(setup):
    """Testing into a training run's work dir leaves its config copy; the
    test's own copy goes into the test's log dir."""
    work_dir = setup['tmp'] / 'work_trained'
    work_dir.mkdir()
    copy = work_dir / setup['config'].name
    copy.write_text('# the config the checkpoints were trained with\n')
    _load_tool().main([str(setup['config']), str(setup['ckpt']),
                       '--work-dir', str(work_dir)])
    assert copy.read_text() == (
        '# the config the checkpoints were trained with\n')
    test_copies = glob.glob(osp.join(str(work_dir), '*',
                                     setup['config'].name))
    assert len(test_copies) == 1
    with open(test_copies[0]) as f:
        assert 'test_dataloader' in f.read()

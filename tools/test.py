"""Evaluate a trained PredRNN / PredRNN-V2 checkpoint with mmengine's test
loop.

Example::

    python tools/test.py configs/mmnist/predrnnv2.py work_dirs/mmnist/predrnnv2/best_mse_iter_80000.pth \
        --show-dir vis

Prints a table of MSE / MAE / PSNR / SSIM and every other scalar metric
(model and copy-last-frame baseline) and writes, into the run's log dir
under the work dir, ``metrics.json`` (every metric, per-timestep arrays
included) and ``per_step_curves.png``. ``--show-dir`` also saves
paper-style strips (inputs, ground truth, prediction) and GIFs of the first
``--show-num`` clips, a relative folder under that log dir (e.g.
``work_dirs/mmnist/predrnnv2/<timestamp>/vis``); the tool prints where.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process, master_only
from mmengine.runner import Runner

from predrnn.utils.cli import DEBUG_ARGUMENT, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a PredRNN model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where results and logs go (in '
                        'a timestamped folder); defaults to ./work_dirs/'
                        '<config folder>/<config name>, as tools/train.py')
    parser.add_argument('--show-dir', help='save strips and GIFs here '
                        '(relative paths go under the run\'s log dir)')
    parser.add_argument('--show-num', type=int, default=8,
                        help='clips to visualise with --show-dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher for distributed evaluation (the '
                        'script must then be started by torchrun, '
                        'tools/dist_test.sh, srun or mpirun); without CUDA '
                        "the processes use the 'gloo' backend")
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--debug', **DEBUG_ARGUMENT)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_config(args) -> Config:
    from predrnn.utils import (check_clip_shapes, check_component_arguments,
                               check_normalization_hook, check_option_types,
                               check_top_level_keys, default_work_dir)
    from predrnn.engine import CheckpointError, load_checkpoint_safely
    # a missing path, a directory, a text file, a corrupt or unsafe file,
    # NaN weights: one line saying what is wrong and what to give instead
    # (URLs as mmengine's load_from takes them are downloaded and checked)
    try:
        load_checkpoint_safely(args.checkpoint)
    except (CheckpointError, FileNotFoundError) as error:
        raise SystemExit(f'error: {error}') from None
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        check_option_types(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    check_top_level_keys(cfg)
    check_component_arguments(cfg)
    check_clip_shapes(cfg)
    check_normalization_hook(cfg)
    cfg.launcher = args.launcher
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        # as tools/train.py: the logs go beside the training run's
        cfg.work_dir = default_work_dir(args.config)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show_dir:
        # replace the config's hook, however it is named; the scope prefix
        # makes ours build in any default scope, not only 'predrnn'
        hooks = [h for h in cfg.get('custom_hooks', [])
                 if not _is_visualization_hook(h)]
        hooks.append(dict(type='predrnn.VideoVisualizationHook',
                          num_clips=args.show_num, out_dir=args.show_dir))
        cfg.custom_hooks = hooks
    return cfg


def _is_visualization_hook(hook) -> bool:
    """Whether a hook config is a VideoVisualizationHook (bare name,
    ``'predrnn.'``-prefixed name or the class itself)."""
    hook_type = hook.get('type') if isinstance(hook, dict) else None
    name = getattr(hook_type, '__name__', hook_type)
    return isinstance(name, str) and (
        name.rsplit('.', 1)[-1] == 'VideoVisualizationHook')


def print_table(metrics: dict) -> None:
    """Print every scalar metric beside its copy-last-frame value.

    Rows follow the metrics' order: ours, the optional keys (``mse_units``,
    ``lpips``, ``csi_<t>``, ...), then other metrics' keys such as the paper
    configs' ``authors/...``. The baseline of ``<prefix>/<name>`` is
    ``<prefix>/copy_last/<name>`` (mmengine puts a metric's prefix first).
    NaN (e.g. CSI at a threshold no frame reaches) prints as ``nan``.
    """
    from numbers import Real

    from predrnn.evaluation import COPY_LAST_PREFIX
    rows = [('metric', 'model', 'copy last frame')]
    for name, value in metrics.items():
        if (COPY_LAST_PREFIX in name or not isinstance(value, Real)
                or isinstance(value, bool)):
            continue
        head, sep, tail = name.rpartition('/')
        base = metrics.get(head + sep + COPY_LAST_PREFIX + tail)
        rows.append((name, f'{value:.4f}',
                     '-' if base is None else f'{base:.4f}'))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for i, row in enumerate(rows):
        print('  '.join(c.ljust(w) for c, w in zip(row, widths)))
        if i == 0:
            print('  '.join('-' * w for w in widths))


class TestRunner(Runner):
    """mmengine's Runner, writing its config copy into its own log dir.

    ``Runner`` dumps the config as ``<work_dir>/<config name>``: testing
    with ``--work-dir`` of a training run would overwrite that run's copy
    (the record of how its checkpoints were trained). Here the copy goes
    next to the test's logs and ``metrics.json``.
    """

    @master_only
    def dump_config(self) -> None:
        name = (osp.basename(self.cfg.filename) if self.cfg.filename
                else f'{self.timestamp}.py')
        self.cfg.dump(osp.join(self.log_dir, name))


def main(argv=None) -> dict:
    from predrnn.utils import setup_distributed
    args = parse_args(argv)
    cfg = build_config(args)
    setup_distributed(cfg, __file__)
    runner = TestRunner.from_cfg(cfg)
    metrics = runner.test()
    if is_main_process():
        from predrnn.evaluation import dump_metrics_json
        from predrnn.visualization import plot_per_step_curves
        # Which test set produced the numbers (e.g. MovingMNIST's standard
        # file with its MD5, or a generated one; 'comparable' tells).
        meta = getattr(runner.test_dataloader.dataset, 'metainfo', None)
        test_set = (meta or {}).get('test_set')
        json_file = dump_metrics_json(
            dict(metrics, test_set=test_set) if test_set else metrics,
            osp.join(runner.log_dir, 'metrics.json'))
        plot_file = osp.join(runner.log_dir, 'per_step_curves.png')
        plot_per_step_curves(metrics, plot_file)
        print_table(metrics)
        print(f'Metrics: {json_file}\nCurves: {plot_file}')
        if args.show_dir:  # a relative one is under the run's log dir
            print('Visualisations: '
                  f'{osp.join(runner.log_dir, args.show_dir)}')
    return metrics


if __name__ == '__main__':
    sys.exit(run_tool(main))

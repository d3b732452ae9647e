"""Train a PredRNN / PredRNN-V2 model with mmengine's Runner.

Examples::

    python tools/train.py configs/mmnist/predrnnv2.py
    python tools/train.py configs/mmnist/predrnnv2_cpu_quick.py --amp
    python tools/train.py CONFIG --resume            # latest checkpoint
    python tools/train.py CONFIG --resume PATH.pth   # a given checkpoint
    bash tools/dist_train.sh CONFIG 2                 # torchrun, 2 processes
"""
import argparse
import importlib.util
import os
import os.path as osp
from unittest import mock

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, DictAction
from mmengine.dist import init_dist
from mmengine.runner import Runner
from mmengine.utils.dl_utils import set_multi_processing


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a PredRNN model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go; '
                        'defaults to ./work_dirs/<config folder>/<config '
                        'name>, e.g. work_dirs/mmnist/predrnnv2')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from PATH, or from the latest checkpoint in the work '
        'dir when no PATH is given')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (AutocastOptimWrapper): bf16 '
                        'autocast on CPU, float16 autocast with a dynamic '
                        'loss scaler on CUDA; weights stay float32')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        'train_cfg.max_iters=1000')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher for distributed training; on '
                        'machines without CUDA the process group uses the '
                        "'gloo' backend instead of the config's "
                        'env_cfg.dist_cfg.backend')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic cuDNN/algorithms (slower)')
    # torchrun sets LOCAL_RANK; torch.distributed.launch passes --local-rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_config(args) -> Config:
    from predrnn.utils import (check_clip_shapes, check_top_level_keys,
                               check_work_dir_is_free)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    check_top_level_keys(cfg)
    check_clip_shapes(cfg)
    cfg.launcher = args.launcher
    if args.launcher != 'none' and not torch.cuda.is_available():
        # NCCL needs GPUs: distributed CPU training goes through gloo
        cfg.merge_from_dict({'env_cfg.dist_cfg.backend': 'gloo'})
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        # folder and name: configs/mmnist/predrnnv2.py and
        # configs/mfmnist/predrnnv2.py must not share a work dir
        config = osp.abspath(args.config)
        cfg.work_dir = osp.join('./work_dirs',
                                osp.basename(osp.dirname(config)),
                                osp.splitext(osp.basename(config))[0])
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    if args.amp:
        cfg.optim_wrapper.type = 'AutocastOptimWrapper'
    if args.seed is not None or args.deterministic:
        randomness = dict(cfg.get('randomness') or {})
        if args.seed is not None:
            randomness['seed'] = args.seed
        randomness['deterministic'] = args.deterministic
        cfg.randomness = randomness
    if importlib.util.find_spec('tensorboard') is not None:
        backends = cfg.visualizer.setdefault('vis_backends', [])
        if not any('Tensorboard' in b.get('type', '') for b in backends):
            backends.append(dict(type='TensorboardVisBackend'))
    check_work_dir_is_free(cfg.work_dir, resume=bool(cfg.get('resume')))
    return cfg


def init_dist_without_cuda(cfg: Config) -> None:
    """Start the process group of a distributed run on a machine without
    CUDA.

    mmengine's ``init_dist`` (called by the Runner) always calls
    ``torch.cuda.set_device(local_rank)``, which raises without CUDA. Here it
    runs with ``set_device`` a no-op (there is no device to select); the
    Runner then finds the process group started and keeps it.
    """
    if (cfg.launcher == 'none' or torch.cuda.is_available()
            or torch_dist.is_initialized()):
        return
    env_cfg = cfg.get('env_cfg') or {}
    # as Runner.setup_env: multi-processing settings first (init_dist would
    # otherwise pick 'spawn' and the Runner warn when it sets the config's)
    set_multi_processing(**env_cfg.get('mp_cfg', {}), distributed=True)
    dist_cfg = dict(env_cfg.get('dist_cfg') or {}, backend='gloo')
    with mock.patch.object(torch.cuda, 'set_device', lambda device: None):
        init_dist(cfg.launcher, **dist_cfg)


def main(argv=None):
    args = parse_args(argv)
    cfg = build_config(args)
    init_dist_without_cuda(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()

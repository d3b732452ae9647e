"""Train a PredRNN / PredRNN-V2 model with mmengine's Runner.

Examples::

    python tools/train.py configs/mmnist/predrnnv2.py
    python tools/train.py configs/mmnist/predrnnv2_cpu_quick.py --amp
    python tools/train.py CONFIG --resume            # latest checkpoint
    python tools/train.py CONFIG --resume PATH.pth   # a given checkpoint
    bash tools/dist_train.sh CONFIG 2                 # torchrun, 2 processes

A run holds ``<work_dir>/train.lock`` (an exclusive lock the operating
system releases when the process ends): a second run in the same work dir
is refused, naming the first. Errors print as one line; ``--debug`` (or
``PREDRNN_DEBUG=1``) shows the traceback.
"""
import argparse
import importlib.util
import os
import os.path as osp
import sys
from typing import Optional, Tuple

from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.runner import (EpochBasedTrainLoop, Runner,
                             find_latest_checkpoint)

from predrnn.utils.cli import DEBUG_ARGUMENT, run_tool


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
                        help='job launcher for distributed training (the '
                        'script must then be started by torchrun, '
                        'tools/dist_train.sh, srun or mpirun); on machines '
                        "without CUDA the process group uses the 'gloo' "
                        "backend instead of the config's "
                        'env_cfg.dist_cfg.backend')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic cuDNN/algorithms (slower)')
    # torchrun sets LOCAL_RANK; torch.distributed.launch passes --local-rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--debug', **DEBUG_ARGUMENT)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_config(args) -> Config:
    """The run's config, checked: misspelled keys, component arguments,
    option types and clip shapes all fail here, before anything is built
    (the work dir is checked by :func:`main`, under its lock)."""
    from predrnn.utils import (check_clip_shapes, check_component_arguments,
                               check_normalization_hook, check_option_types,
                               check_top_level_keys, default_work_dir,
                               existing_checkpoints)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        check_option_types(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    check_top_level_keys(cfg)
    check_clip_shapes(cfg)
    check_normalization_hook(cfg)
    cfg.launcher = args.launcher
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = default_work_dir(args.config)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
        latest = find_latest_checkpoint(cfg.work_dir)
        if latest is not None:
            cfg.load_from, args.resume_note = _own_copy(cfg.work_dir, latest)
        else:
            found = existing_checkpoints(cfg.work_dir)
            if found:
                raise SystemExit(
                    f'error: --resume found no last_checkpoint file in '
                    f'{cfg.work_dir}, but checkpoints are there '
                    f'({", ".join(found[:3])}). Name the one to continue '
                    f'from: --resume PATH.pth')
            # as mmengine (a preempted job's command also starts it the
            # first time), but said plainly once the Runner logs
            cfg.resume = False
            args.resume_note = (
                f'--resume: no checkpoint in {cfg.work_dir} (no '
                'last_checkpoint file), so there is nothing to resume: '
                'starting a fresh run from iteration 0.')
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
    check_component_arguments(cfg)  # as the Runner will build them
    return cfg


def _own_copy(work_dir: str, latest: str) -> Tuple[Optional[str], str]:
    """The checkpoint to resume, and what to tell about it, when mmengine's
    ``last_checkpoint`` pointer names ``latest``.

    The pointer holds an absolute path: in a copied or moved work dir it
    names the original's file. Decision: the work dir's own file of that
    name is resumed when it is there; else the original's, said in the log.
    ``(None, '')`` (mmengine's own choice) when the pointer is inside.
    """
    folder = osp.realpath(work_dir)
    if osp.dirname(osp.realpath(latest)) == folder:
        return None, ''
    own = osp.join(work_dir, osp.basename(latest))
    if osp.isfile(own):
        return own, (f'--resume: {osp.join(work_dir, "last_checkpoint")} '
                     f'names {latest}, outside this work dir (a copied or '
                     f'moved work dir); resuming from its own {own} '
                     'instead.')
    return None, (f'--resume: {osp.join(work_dir, "last_checkpoint")} names '
                  f'{latest}, outside this work dir (a copied or moved work '
                  'dir) and no file of that name is here; resuming from '
                  f'{latest}. Give --resume PATH.pth to choose another.')


class NothingToTrainCheck(Hook):
    """Say so when a resumed run is already at or past its end.

    mmengine's loop would exit at once with status 0. Decision: a run
    resumed exactly at ``max_iters`` is complete (a warning, status 0: the
    same command may be re-submitted after the job ended); a checkpoint
    beyond ``max_iters`` is a mistake (an error naming both numbers).
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        done, end = runner.iter, runner.max_iters
        if done < end or not runner.cfg.get('resume'):
            return
        if isinstance(runner.train_loop, EpochBasedTrainLoop):
            key = 'train_cfg.max_epochs'
            at = f'epoch {runner.epoch} (iteration {done})'
            limit = f'{key} gives {runner.max_epochs} epochs'
        else:
            key = 'train_cfg.max_iters'
            at = f'iteration {done}'
            limit = f'{key} gives {end} iterations'
        if done == end:
            runner.logger.warning(
                f'The resumed checkpoint is at {at}, the end of this run '
                f'({limit}): nothing left to train. Raise {key} to train '
                'longer.')
            return
        raise SystemExit(
            f'error: the resumed checkpoint is at {at}, beyond the end of '
            f'this run ({limit}), so nothing would be trained. Raise {key} '
            f'(--cfg-options {key}=N) to continue training, or resume '
            'another checkpoint.')


def main(argv=None) -> Optional[Runner]:
    from predrnn.utils import (check_work_dir_is_free, exit_on_interrupt,
                               lock_work_dir, setup_distributed)
    args = parse_args(argv)
    cfg = build_config(args)
    # one run per work dir, and a fresh run never where checkpoints are:
    # checked under the lock, so two runs started together cannot both
    # pass the check
    lock = lock_work_dir(cfg.work_dir, check=lambda: check_work_dir_is_free(
        cfg.work_dir, resume=bool(cfg.get('resume'))))
    try:
        setup_distributed(cfg, __file__)
        runner = Runner.from_cfg(cfg)
        if getattr(args, 'resume_note', None):
            runner.logger.warning(args.resume_note)
        runner.register_hook(NothingToTrainCheck())
        with exit_on_interrupt(runner, __file__, argv):  # Ctrl-C: resume
            runner.train()
    finally:
        if lock is not None:
            lock.close()
    return runner


if __name__ == '__main__':
    sys.exit(run_tool(main))

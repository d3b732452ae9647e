"""Distributed start-up for tools/train.py and tools/test.py, CPU included.

mmengine's ``init_dist`` reads the launcher's environment with bare
``os.environ[...]`` (a script run with ``--launcher pytorch`` outside
torchrun ends in ``KeyError: 'RANK'``) and always calls
``torch.cuda.set_device`` ("Found no NVIDIA driver" on CPU-only machines).
:func:`setup_distributed` first checks the environment and says how to
start the script, then, without CUDA, switches the config to the ``gloo``
backend and starts the process group itself with ``torch.distributed``;
the Runner finds it started and keeps it. With CUDA, mmengine starts it.
"""
import datetime
import os
import subprocess
from typing import Dict, Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.utils.dl_utils import set_multi_processing

__all__ = ['LAUNCHER_ENV', 'launcher_env_problem', 'setup_distributed']

#: Variables each launcher sets, and how to start a script with it.
LAUNCHER_ENV: Dict[str, tuple] = {
    'pytorch': (('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'),
                'torchrun --nproc_per_node=N {script} ... --launcher pytorch'
                ' (or bash tools/dist_{kind}.sh CONFIG N ...)'),
    'slurm': (('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'),
              'srun -n N python {script} ... --launcher slurm'),
    'mpi': (('OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE',
             'OMPI_COMM_WORLD_LOCAL_RANK', 'MASTER_ADDR'),
            'MASTER_ADDR=HOST mpirun -np N python {script} ... --launcher '
            'mpi'),
}


def launcher_env_problem(launcher: str, script: str) -> Optional[str]:
    """The message for a launcher whose environment is missing, or None.

    Args:
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        script (str): The script's path, for the message.
    """
    if launcher == 'none':
        return None
    names, how = LAUNCHER_ENV[launcher]
    missing = [name for name in names if name not in os.environ]
    if not missing:
        return None
    kind = 'test' if 'test' in os.path.basename(script) else 'train'
    return (f'--launcher {launcher} needs the environment its launcher sets '
            f'({", ".join(missing)} missing): start the script with '
            + how.format(script=script, kind=kind)
            + ', or drop --launcher for one process.')


def _rank_env(launcher: str, dist_cfg: dict) -> Dict[str, str]:
    """RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT of this
    process, read from the launcher's variables as mmengine does."""
    env = os.environ
    if launcher == 'pytorch':
        return dict(RANK=env['RANK'], WORLD_SIZE=env['WORLD_SIZE'],
                    LOCAL_RANK=env.get('LOCAL_RANK', '0'),
                    MASTER_ADDR=env['MASTER_ADDR'],
                    MASTER_PORT=env['MASTER_PORT'])
    if launcher == 'slurm':
        addr = subprocess.getoutput(
            f'scontrol show hostname {env["SLURM_NODELIST"]} | head -n1')
        port = dist_cfg.get('port', env.get('MASTER_PORT', '29500'))
        return dict(RANK=env['SLURM_PROCID'], WORLD_SIZE=env['SLURM_NTASKS'],
                    LOCAL_RANK=env.get('SLURM_LOCALID', '0'),
                    MASTER_ADDR=env.get('MASTER_ADDR', addr),
                    MASTER_PORT=str(port))
    return dict(RANK=env['OMPI_COMM_WORLD_RANK'],
                WORLD_SIZE=env['OMPI_COMM_WORLD_SIZE'],
                LOCAL_RANK=env['OMPI_COMM_WORLD_LOCAL_RANK'],
                MASTER_ADDR=env['MASTER_ADDR'],
                MASTER_PORT=env.get('MASTER_PORT', '29500'))


def setup_distributed(cfg: Config, script: str) -> None:
    """Check the launcher's environment; without CUDA, start a gloo group.

    Args:
        cfg (Config): The run's config (``launcher``, ``env_cfg``); on a
            machine without CUDA its ``env_cfg.dist_cfg.backend`` becomes
            ``'gloo'`` (NCCL needs GPUs).
        script (str): The script's path, for the message.

    Raises:
        SystemExit: When the launcher's environment is missing, saying how
            to start the script.
    """
    launcher = cfg.get('launcher', 'none')
    problem = launcher_env_problem(launcher, script)
    if problem:
        raise SystemExit(f'error: {problem}')
    if launcher == 'none' or torch.cuda.is_available():
        return
    cfg.merge_from_dict({'env_cfg.dist_cfg.backend': 'gloo'})
    if torch_dist.is_initialized():
        return
    env_cfg = cfg.get('env_cfg') or {}
    # as Runner.setup_env: multi-processing settings before the group
    set_multi_processing(**env_cfg.get('mp_cfg', {}), distributed=True)
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    ranks = _rank_env(launcher, dist_cfg)
    os.environ.update(ranks)
    timeout = dist_cfg.get('timeout')
    kwargs = {} if timeout is None else dict(
        timeout=datetime.timedelta(seconds=timeout))
    torch_dist.init_process_group(
        backend='gloo', init_method='env://', rank=int(ranks['RANK']),
        world_size=int(ranks['WORLD_SIZE']), **kwargs)

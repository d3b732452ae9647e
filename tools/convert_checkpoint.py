"""Convert a checkpoint of the authors' PredRNN code or of OpenSTL into an
mmengine checkpoint that ``load_from=`` (or tools/test.py) loads.

Usage::

    python tools/convert_checkpoint.py SRC DST [--config CONFIG] [--force]

SRC: the authors' ``model.ckpt-<iter>`` (``{'net_param': ...}``), an OpenSTL
``.pth``/Lightning ``.ckpt`` (tensors under a ``model.`` prefix), or a plain
state dict; also the authors' action-conditioned (BAIR) checkpoints
(``conv_a``, encoders, decoder: docs/en/model.md). With ``--config`` the
converted weights are loaded into the model the config builds, so a
mismatch (layers, hidden size, patch size, frame channels) is reported now
rather than at training time. DST is never overwritten unless ``--force``
is given, and is written atomically.
"""
import argparse
import os.path as osp
import sys
from dataclasses import asdict

import torch

from predrnn.utils.cli import DEBUG_ARGUMENT, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='checkpoint of the authors or OpenSTL')
    parser.add_argument('dst', help='mmengine checkpoint to write')
    parser.add_argument('--config', help='check the weights against the '
                        'model of this config')
    parser.add_argument('--force', action='store_true',
                        help='overwrite DST if it exists')
    parser.add_argument('--debug', **DEBUG_ARGUMENT)
    return parser.parse_args(argv)


def load_source(path: str):
    """Load with the plugin's loader (``weights_only=True``, NaN/Inf
    refused): a checkpoint can never run code."""
    from predrnn.engine import (CheckpointError, UnsafeCheckpointError,
                                load_checkpoint_safely)
    try:
        return load_checkpoint_safely(path)
    except UnsafeCheckpointError as e:
        raise SystemExit(
            f'error: {e} A Lightning checkpoint may hold hyper-parameters '
            f'of other types: in the environment that wrote it, save just '
            f'the weights: torch.save(ckpt["state_dict"], "weights.pth").'
        ) from None
    except (CheckpointError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}') from None


def check_against_config(state_dict, config: str) -> None:
    from mmengine.config import Config

    from predrnn.registry import MODELS
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model)
    # raises CheckpointFormatError on hyperparameter mismatches
    result = model.load_state_dict(state_dict, strict=False)
    for kind, keys in (('missing', result.missing_keys),
                       ('unexpected', result.unexpected_keys)):
        if keys:
            print(f'warning: {kind} keys for {cfg.model.type}: {keys} (a v1 '
                  f'checkpoint in a v2 config starts the adapter fresh; a v2 '
                  f'checkpoint in a v1 config drops it).')


def main(argv=None) -> int:
    args = parse_args(argv)
    from predrnn.models.utils import CheckpointFormatError
    from predrnn.models.utils.action_checkpoints import \
        convert_any_reference_state
    if (osp.exists(args.src) and osp.exists(args.dst)
            and osp.samefile(args.src, args.dst)):
        # --force would replace the only copy of the source by its
        # conversion
        raise SystemExit(f'error: {args.dst} is the source checkpoint '
                         f'itself; give another destination, e.g. '
                         f'{osp.splitext(args.dst)[0]}_converted.pth.')
    if osp.exists(args.dst) and not args.force:
        raise SystemExit(f'error: {args.dst} exists; pass --force to '
                         f'overwrite it.')
    try:
        source, hp, state_dict = convert_any_reference_state(
            load_source(args.src))
        if args.config:
            check_against_config(state_dict, args.config)
    except CheckpointFormatError as e:
        raise SystemExit(f'error: {args.src}: {e}') from None
    checkpoint = dict(
        meta=dict(converted_from=osp.abspath(args.src), source_layout=source,
                  hyperparams=asdict(hp)),
        state_dict=state_dict)
    from predrnn.utils import atomic_write
    with atomic_write(args.dst, overwrite=args.force) as tmp:
        torch.save(checkpoint, tmp)
    print(f'Converted {args.src} ({source} layout; {hp.describe()}) '
          f'-> {args.dst}')
    if hp.decouple:
        print('The weights include the decoupling adapter (PredRNN-V2).')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))

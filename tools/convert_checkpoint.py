"""Convert a checkpoint of the authors' PredRNN code or of OpenSTL into an
mmengine checkpoint that ``load_from=`` (or tools/test.py) loads.

Usage::

    python tools/convert_checkpoint.py SRC DST [--config CONFIG] [--force]

SRC: the authors' ``model.ckpt-<iter>`` (``{'net_param': ...}``), an OpenSTL
``.pth``/Lightning ``.ckpt`` (tensors under a ``model.`` prefix), or a plain
state dict; also the authors' action-conditioned (BAIR) checkpoints
(``conv_a``, encoders, decoder: SPEC section 10). With ``--config`` the
converted weights are loaded into the model the config builds, so a
mismatch (layers, hidden size, patch size, frame channels) is reported now
rather than at training time. DST is never overwritten unless ``--force``
is given, and is written atomically.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
from dataclasses import asdict

import torch


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='checkpoint of the authors or OpenSTL')
    parser.add_argument('dst', help='mmengine checkpoint to write')
    parser.add_argument('--config', help='check the weights against the '
                        'model of this config')
    parser.add_argument('--force', action='store_true',
                        help='overwrite DST if it exists')
    return parser.parse_args(argv)


def load_source(path: str):
    """Load with ``weights_only=True``: a checkpoint can never run code."""
    if not osp.isfile(path):
        raise SystemExit(f'error: {path} does not exist.')
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # noqa: BLE001 - re-raised with guidance
        raise SystemExit(
            f'error: {path} could not be loaded with weights_only=True '
            f'({type(e).__name__}: {str(e).splitlines()[0]}). It is either '
            f'corrupt, or holds Python objects besides tensors (e.g. a '
            f'Lightning checkpoint with hyper-parameters). In the environment '
            f'that wrote it, save just the weights: '
            f'torch.save(ckpt["state_dict"], "weights.pth").') from None


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
    out_dir = osp.dirname(osp.abspath(args.dst))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix='.tmp')
    os.close(fd)
    try:
        torch.save(checkpoint, tmp)
        os.replace(tmp, args.dst)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    print(f'Converted {args.src} ({source} layout; {hp.describe()}) '
          f'-> {args.dst}')
    if hp.decouple:
        print('The weights include the decoupling adapter (PredRNN-V2).')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Does a conditioned model use its conditions? Validation MSE with each
clip's own conditions, with another clip's (rolled by one clip) and with
all-zero conditions ("stay" commands in ControllableMovingMNIST).

    python tools/analysis_tools/condition_ablation.py CONFIG CHECKPOINT \
        [--data-root DIR]

MSE: per predicted frame, summed over channels and pixels, mean over frames
and clips (as VideoPredictionMetric's 'mse').
"""
import argparse
import sys

import torch
from torch.utils.data import default_collate

from predrnn.apis import load_forecaster
from predrnn.apis.conditioned_forecast import is_conditioned
from predrnn.registry import DATASETS


def frame_mse(model, inputs: torch.Tensor, conditions: torch.Tensor) -> float:
    """Mean per-frame summed squared error of the forecast frames."""
    with torch.no_grad():
        pred = model(inputs, conditions=conditions, mode='tensor')
    pred = pred[:, model.in_frames - 1:]
    gt = model.unpatch(inputs[:, model.in_frames:])
    return float(((pred - gt)**2).sum((2, 3, 4)).mean())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--data-root', default=None,
                        help="override the val dataset's data_root")
    args = parser.parse_args(argv)
    model, cfg = load_forecaster(args.config, args.checkpoint)
    if not is_conditioned(model):
        parser.error(f'{args.config} builds {type(model).__name__}, which '
                     f'takes no conditions: give the config of a '
                     f'conditioned model (e.g. configs/action/'
                     f'predrnnv2_action_mmnist.py).')
    dataset = dict(cfg.val_dataloader.dataset)
    if args.data_root is not None:
        dataset['data_root'] = args.data_root
    ds = DATASETS.build(dataset)
    data = model.data_preprocessor(default_collate([ds[i]
                                                    for i in range(len(ds))]))
    own = data['conditions']
    for name, cond in (('own conditions', own),
                       ("another clip's", own.roll(1, 0)),
                       ('all zero', torch.zeros_like(own))):
        print(f'{name}: val MSE {frame_mse(model, data["inputs"], cond):.2f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

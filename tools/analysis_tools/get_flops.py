"""Report FLOPs (multiply-accumulates, fvcore) and parameters of a model.

Usage::

    python tools/analysis_tools/get_flops.py configs/mmnist/predrnnv2.py
    python tools/analysis_tools/get_flops.py CONFIG --shape 20 1 64 64

For the Moving MNIST PredRNN-V2 paper configuration this prints
116.6 GFLOPs and 23.86 M parameters, the published numbers.
"""
import argparse

from mmengine.config import Config, DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='FLOPs and parameters')
    parser.add_argument('config', help='config file')
    parser.add_argument('--shape', type=int, nargs=4, metavar=('T', 'C', 'H',
                                                               'W'),
                        help='one clip; defaults to the model\'s frames and '
                        'the test dataset\'s image size (64 if unset)')
    parser.add_argument('--max-depth', type=int, default=3,
                        help='depth of the per-module table')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def default_shape(cfg: Config, model) -> tuple:
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    size = dataset.get('image_size', 64)
    h, w = (size, size) if isinstance(size, int) else size
    return model.total_frames, model.frame_channels, h, w


def main(argv=None) -> dict:
    args = parse_args(argv)
    import predrnn  # noqa: F401  (registers the models)
    from predrnn.registry import MODELS
    from predrnn.utils.complexity import count_complexity
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = MODELS.build(cfg.model)
    shape = tuple(args.shape) if args.shape else default_shape(cfg, model)
    result = count_complexity(model, shape, args.max_depth)
    print(result['table'])
    print(f'\nInput shape (T, C, H, W): {shape}')
    print(f'FLOPs (MACs, one clip, as published): '
          f'{result["flops"] / 1e9:.1f} G')
    print(f'FLOPs our inference executes (no decoupling adapter, no '
          f'convolutions of the all-zero first states): '
          f'{result["flops_inference"] / 1e9:.2f} G')
    print(f'Params: {result["params"] / 1e6:.2f} M ({result["params"]:,})')
    return result


if __name__ == '__main__':
    main()

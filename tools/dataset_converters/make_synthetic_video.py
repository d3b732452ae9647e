"""Write a synthetic colour, non-square video of moving shapes, to try the
"own data" pipeline without data of your own.

    python tools/dataset_converters/make_synthetic_video.py \
        data/own/videos/shapes.mp4 --frames 2000 --height 48 --width 64

The file is written atomically; an existing file is kept unless --force.
"""
import argparse
import os
import sys

from predrnn.datasets.synthetic_video import moving_shapes, write_video


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='video file to write (.mp4 or .avi)')
    parser.add_argument('--frames', type=int, default=2000)
    parser.add_argument('--height', type=int, default=48)
    parser.add_argument('--width', type=int, default=64)
    parser.add_argument('--shapes', type=int, default=3)
    parser.add_argument('--fps', type=float, default=10.0)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true',
                        help='replace an existing file')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if os.path.exists(args.out) and not args.force:
        print(f'{args.out} exists; kept (use --force to replace it)')
        return 0
    frames = moving_shapes(args.frames, args.height, args.width, args.shapes,
                           args.seed)
    write_video(args.out, frames, args.fps)
    print(f'wrote {args.out}: {args.frames} frames of {args.height}x'
          f'{args.width} RGB at {args.fps:g} fps')
    return 0


if __name__ == '__main__':
    sys.exit(main())

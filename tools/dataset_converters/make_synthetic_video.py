"""Write a synthetic colour, non-square video, to try the "own data"
pipeline without data of your own.

Kinds:

* ``shapes``: discs and squares bouncing on a dark canvas.
* ``sprites_on_photo``: small sprites (3 to ``--max-size`` pixels) crossing
  a still photograph (scikit-image's ``--photo``), with sensor noise and
  slow lighting changes, like a static camera's footage: copying the last
  frame is a strong baseline there.

    python tools/dataset_converters/make_synthetic_video.py \\
        data/own/videos/shapes.mp4 --frames 2000 --height 48 --width 64
    python tools/dataset_converters/make_synthetic_video.py \\
        data/own/footage.npy --kind sprites_on_photo --frames 600

A ``.npy`` output is written losslessly (layout ``THWC``, with a JSON
sidecar); ``.mp4`` / ``.avi`` are compressed. The same arguments give the
same frames. Files are written atomically; an existing file is kept unless
--force.
"""
import argparse
import os
import sys

from predrnn.datasets.sprite_footage import PHOTOS, sprites_on_photo
from predrnn.datasets.synthetic_video import (moving_shapes,
                                              write_frames_array, write_video)

KINDS = ('shapes', 'sprites_on_photo')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('out', help='file to write (.mp4, .avi or .npy)')
    parser.add_argument('--kind', choices=KINDS, default='shapes',
                        help='what the video shows')
    parser.add_argument('--frames', type=int, default=2000)
    parser.add_argument('--height', type=int, default=48)
    parser.add_argument('--width', type=int, default=64)
    parser.add_argument('--shapes', type=int, default=3,
                        help='shapes (kind shapes)')
    parser.add_argument('--sprites', type=int, default=6,
                        help='sprites at a time (kind sprites_on_photo)')
    parser.add_argument('--max-size', type=int, default=10,
                        help='largest sprite, pixels')
    parser.add_argument('--photo', choices=PHOTOS, default='astronaut',
                        help='background photograph')
    parser.add_argument('--noise-std', type=float, default=2.0,
                        help='sensor noise, grey levels')
    parser.add_argument('--lighting', type=float, default=0.1,
                        help='amplitude of the slow lighting gain')
    parser.add_argument('--fps', type=float, default=10.0)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true',
                        help='replace an existing file')
    return parser.parse_args(argv)


def make_frames(args):
    """The frames ``(T, H, W, 3)`` uint8 the arguments describe."""
    if args.kind == 'shapes':
        return moving_shapes(args.frames, args.height, args.width,
                             args.shapes, args.seed)
    return sprites_on_photo(args.frames, args.height, args.width,
                            args.sprites, args.photo, args.max_size,
                            args.noise_std, args.lighting, args.seed)


def main(argv=None) -> int:
    args = parse_args(argv)
    if os.path.exists(args.out) and not args.force:
        print(f'{args.out} exists; kept (use --force to replace it)')
        return 0
    frames = make_frames(args)
    if args.out.lower().endswith('.npy'):
        write_frames_array(args.out, frames, args.fps, kind=args.kind,
                           seed=args.seed)
    else:
        write_video(args.out, frames, args.fps)
    print(f'wrote {args.out}: {args.frames} frames of {args.height}x'
          f'{args.width} RGB ({args.kind}) at {args.fps:g} fps')
    return 0


if __name__ == '__main__':
    sys.exit(main())

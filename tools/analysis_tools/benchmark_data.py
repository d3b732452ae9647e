"""Measure how many Moving MNIST training clips one process generates per
second (default: 64 x 64, 2 digits, 20 frames), i.e. what one DataLoader
worker can feed. Target: >= 2000 clips/s per process.

    python tools/analysis_tools/benchmark_data.py [--num-clips 5000]
"""
import argparse
import tempfile
import time

from predrnn.datasets import MovingMNIST


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default=None,
                        help='folder with the MNIST files; default: an '
                        'empty temporary folder (stand-in digits)')
    parser.add_argument('--num-clips', type=int, default=5000)
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--num-digits', type=int, default=2)
    parser.add_argument('--frames', type=int, default=20,
                        help='frames per clip, in + out')
    parser.add_argument('--repeats', type=int, default=3)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    data_root = args.data_root or tempfile.mkdtemp()
    dataset = MovingMNIST(
        data_root=data_root,
        split='train',
        in_frames=args.frames // 2,
        out_frames=args.frames - args.frames // 2,
        image_size=args.image_size,
        num_digits=args.num_digits,
        num_clips=args.num_clips)
    dataset[(0, 0)]  # warm up
    rates = []
    for epoch in range(args.repeats):
        start = time.perf_counter()
        for index in range(args.num_clips):
            dataset[(epoch, index)]
        rates.append(args.num_clips / (time.perf_counter() - start))
    print(f'MovingMNIST train, {args.image_size}x{args.image_size}, '
          f'{args.num_digits} digits, {args.frames} frames, digits from '
          f'{dataset.digit_source}: {max(rates):.0f} clips/s per process '
          f'(best of {args.repeats}; all: '
          f'{", ".join(f"{r:.0f}" for r in rates)})')


if __name__ == '__main__':
    main()

"""Prepare datasets for the predrnn plugin.

Moving MNIST (SPEC 8)::

    python tools/prepare_data.py mmnist --data-root data
    python tools/prepare_data.py mmnist --mirror https://my.mirror/mnist/
    python tools/prepare_data.py mmnist --from ~/Downloads   # no network

writes ``data/moving_mnist/{train-images-idx3-ubyte.gz,
t10k-images-idx3-ubyte.gz, mnist_test_seq.npy}``, each checked (MD5 and
structure) before it is renamed into place; valid files already there are
kept. Without these files the dataset still runs, on stand-in digits and a
generated test set whose metrics are not comparable with published numbers.
"""
import argparse
import sys

from predrnn.datasets.prepare_mmnist import prepare_mmnist


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='dataset', required=True)
    mmnist = sub.add_parser(
        'mmnist', help='MNIST digits and the standard Moving MNIST test set')
    mmnist.add_argument(
        '--data-root', default='data',
        help='data folder; files go to <data-root>/moving_mnist '
        '(default: %(default)s)')
    mmnist.add_argument(
        '--mirror', action='append', metavar='URL',
        help='base URL serving the three files by name, replacing the '
        'default hosts; repeat to try several in order')
    mmnist.add_argument(
        '--from', dest='from_dir', metavar='DIR',
        help='take the files from DIR (no network) and validate them')
    mmnist.add_argument(
        '--timeout', type=float, default=60.0,
        help='network timeout in seconds (default: %(default)s)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    results = prepare_mmnist(args.data_root, args.mirror, args.from_dir,
                             args.timeout)
    width = max(map(len, results))
    for name, status in results.items():
        print(f'{name:<{width}}  {status}')
    return 1 if any(s.startswith('failed') for s in results.values()) else 0


if __name__ == '__main__':
    sys.exit(main())

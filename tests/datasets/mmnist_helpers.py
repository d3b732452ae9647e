"""Helpers of the Moving MNIST tests, independent of the code under test
(IDX header packed with ``struct``, trajectories re-derived from
docs/en/datasets.md)."""
import functools
import gzip
import hashlib
import http.server
import math
import struct
import threading

import numpy as np


def write_idx(path, images, compress=False, magic=2051):
    """Write ``(N, H, W)`` uint8 images as an MNIST IDX file."""
    images = np.asarray(images, dtype=np.uint8)
    data = struct.pack('>IIII', magic, *images.shape) + images.tobytes()
    if compress:
        data = gzip.compress(data)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def random_digits(num, size=28, seed=0):
    """Random sparse 'digits' with at least one bright pixel each."""
    rng = np.random.default_rng(seed)
    images = (rng.random((num, size, size)) < 0.3) * rng.integers(
        1, 256, (num, size, size))
    images[:, size // 2, size // 2] = 255
    return images.astype(np.uint8)


NAMES = ('train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz',
         'mnist_test_seq.npy')


def make_files(folder):
    """Tiny valid versions of the three files; returns their MD5s."""
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / NAMES[0], random_digits(4), compress=True)
    write_idx(folder / NAMES[1], random_digits(3, seed=1), compress=True)
    np.save(folder / NAMES[2], np.zeros((20, 2, 64, 64), np.uint8))
    return {
        n: hashlib.md5((folder / n).read_bytes()).hexdigest()
        for n in NAMES
    }


class Server:
    """http.server in a thread serving a folder, counting requests; paths
    in ``truncate`` announce more bytes than they send."""

    def __init__(self, folder):
        self.requests = []
        self.truncate = set()
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                name = self.path.lstrip('/')
                if name in outer.truncate:
                    data = (folder / name).read_bytes()
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[:len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0),
            functools.partial(Handler, directory=str(folder)))
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.01, ), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def spec_positions(x, y, theta, num_frames, free, step=0.1):
    """Pixel offsets (rows, cols) of one digit, re-derived from
    docs/en/datasets.md and
    the issue: start at (x, y), velocity (sin, cos) of theta, clamp-and-flip
    at 0 and 1, offsets truncated, frame 0 at the start."""
    v_row, v_col = math.sin(theta), math.cos(theta)
    rows, cols = [], []
    for t in range(num_frames):
        if t:
            y, x = y + v_row * step, x + v_col * step
            if x < 0:
                x, v_col = 0.0, -v_col
            if x > 1:
                x, v_col = 1.0, -v_col
            if y < 0:
                y, v_row = 0.0, -v_row
            if y > 1:
                y, v_row = 1.0, -v_row
        rows.append(int(y * free))
        cols.append(int(x * free))
    return rows, cols


def spec_clip(digits, ids, xs, ys, thetas, num_frames, image_size,
              step=0.1):
    """A clip painted pixel-block by pixel-block with explicit loops."""
    size = digits.shape[1]
    free = image_size - size
    clip = np.zeros((num_frames, image_size, image_size), np.uint8)
    for idx, x, y, theta in zip(ids, xs, ys, thetas):
        rows, cols = spec_positions(x, y, theta, num_frames, free, step)
        for t in range(num_frames):
            for i in range(size):
                for j in range(size):
                    r, c = rows[t] + i, cols[t] + j
                    clip[t, r, c] = max(clip[t, r, c], digits[idx][i, j])
    return clip


def spec_draws(seed_key, num_digits, num_digits_in_bank):
    """The documented draw order: u = random((n, 3)), then integers."""
    rng = np.random.default_rng(seed_key)
    u = rng.random((num_digits, 3))
    ids = rng.integers(0, num_digits_in_bank, num_digits)
    return (ids.tolist(), u[:, 0].tolist(), u[:, 1].tolist(),
            (2 * math.pi * u[:, 2]).tolist())

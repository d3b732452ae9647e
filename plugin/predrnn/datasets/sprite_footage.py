"""Small moving sprites over a static real photograph: synthetic footage
like a static camera's (pedestrians on a square, cells, traffic), where
copying the last frame is a strong baseline.

A model that forecasts only the background scores well on whole-frame
errors here and loses the sprites; moving shapes on a black canvas do not
show that failure. Sprites of a few pixels to about 10 enter at the
borders, cross the frame and leave; the photograph stays still apart from
a slow change of lighting, and every frame carries sensor noise.
"""
import cv2
import numpy as np
from skimage import data as skdata

PHOTOS = ('astronaut', 'camera', 'chelsea', 'coffee', 'rocket')
SHAPES = ('disc', 'square', 'triangle', 'cross', 'ellipse')


def photo_background(name: str, height: int, width: int,
                     rng: np.random.Generator) -> np.ndarray:
    """A random crop of scikit-image's photograph ``name`` with the frame's
    aspect ratio, resized (area) to ``(height, width)``, RGB float32."""
    if name not in PHOTOS:
        raise ValueError(f'photo must be one of {PHOTOS}, got {name!r}')
    image = getattr(skdata, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    rows, cols = image.shape[:2]
    scale = rng.uniform(0.5, 1.0) * min(rows / height, cols / width)
    h, w = max(1, int(height * scale)), max(1, int(width * scale))
    top = int(rng.integers(0, rows - h + 1))
    left = int(rng.integers(0, cols - w + 1))
    crop = np.ascontiguousarray(image[top:top + h, left:left + w])
    return cv2.resize(crop, (width, height),
                      interpolation=cv2.INTER_AREA).astype(np.float32)


class _Sprite:
    """A shape of one colour moving in a straight line at constant speed,
    from outside one border (or inside the frame) to outside another."""

    def __init__(self, rng: np.random.Generator, height: int, width: int,
                 max_size: int, inside: bool) -> None:
        self.size = int(rng.integers(min(3, max_size), max_size + 1))
        self.shape = SHAPES[int(rng.integers(len(SHAPES)))]
        self.color = tuple(float(c) for c in rng.integers(0, 256, 3))
        speed = rng.uniform(0.4, 1.5)
        angle = rng.uniform(0, 2 * np.pi)
        self.vel = speed * np.array([np.sin(angle), np.cos(angle)])
        if inside:
            self.pos = rng.uniform([0, 0], [height, width])
        else:  # just outside the border it moves away from
            margin = self.size
            self.pos = rng.uniform([0, 0], [height, width])
            axis = int(abs(self.vel[1]) > abs(self.vel[0]))
            limit = (height, width)[axis]
            self.pos[axis] = (-margin if self.vel[axis] > 0 else
                              limit + margin)

    def gone(self, height: int, width: int) -> bool:
        """Out of the frame and moving away from it."""
        m = self.size
        y, x = self.pos
        return bool((y < -m and self.vel[0] <= 0)
                    or (y > height + m and self.vel[0] >= 0)
                    or (x < -m and self.vel[1] <= 0)
                    or (x > width + m and self.vel[1] >= 0))

    def draw(self, canvas: np.ndarray) -> None:
        """Draw on an RGB float32 canvas, 1/16 pixel precise positions."""
        shift = 4
        y, x = (int(round(v * 16)) for v in self.pos)
        r = max(1, self.size * 8)  # half the size, in 1/16 pixel
        if self.shape == 'disc':
            cv2.circle(canvas, (x, y), r, self.color, -1, cv2.LINE_8, shift)
        elif self.shape == 'ellipse':
            cv2.ellipse(canvas, (x, y), (r, max(8, r // 2)), 30, 0, 360,
                        self.color, -1, cv2.LINE_8, shift)
        else:
            if self.shape == 'square':
                pts = [(-r, -r), (r, -r), (r, r), (-r, r)]
            elif self.shape == 'triangle':
                pts = [(0, -r), (r, r), (-r, r)]
            else:  # cross
                t = max(8, r // 3)
                pts = [(-t, -r), (t, -r), (t, -t), (r, -t), (r, t), (t, t),
                       (t, r), (-t, r), (-t, t), (-r, t), (-r, -t), (-t, -t)]
            poly = np.array([[(x + dx, y + dy) for dx, dy in pts]], np.int32)
            cv2.fillPoly(canvas, poly, self.color, cv2.LINE_8, shift)


def sprites_on_photo(num_frames: int, height: int = 48, width: int = 64,
                     num_sprites: int = 6, photo: str = 'astronaut',
                     max_size: int = 10, noise_std: float = 2.0,
                     lighting: float = 0.1, seed: int = 0,
                     return_layers: bool = False):
    """Footage of a static camera: sprites crossing a still photograph.

    Args:
        num_frames (int): Frames ``T``.
        height (int): Frame height. Defaults to 48.
        width (int): Frame width. Defaults to 64.
        num_sprites (int): Sprites at a time; one that leaves is replaced
            by a new one entering at a border. Defaults to 6.
        photo (str): One of ``PHOTOS`` (scikit-image's sample images).
            Defaults to ``'astronaut'``.
        max_size (int): Largest sprite, pixels (smallest 3).
            Defaults to 10.
        noise_std (float): Gaussian sensor noise, grey levels.
            Defaults to 2.0.
        lighting (float): Amplitude of the slow lighting gain
            ``1 + lighting * sin(2 pi t / period + phase)``, with a period
            of 200 to 400 frames. Defaults to 0.1.
        seed (int): Everything follows from it. Defaults to 0.
        return_layers (bool): Also return the parts. Defaults to False.

    Returns:
        np.ndarray | tuple: uint8 RGB frames ``(T, H, W, 3)``; with
        ``return_layers``, ``(frames, dict(background (H, W, 3) float32,
        gain (T,), masks (T, H, W) bool: sprite pixels))``.
    """
    if num_frames < 1 or height < 4 or width < 4 or num_sprites < 0:
        raise ValueError('sprites_on_photo needs num_frames >= 1, frames of '
                         'at least 4x4 and num_sprites >= 0, got '
                         f'{num_frames}, {height}x{width}, {num_sprites}')
    if noise_std < 0 or not 0 <= lighting < 1:
        raise ValueError(f'noise_std must be >= 0 and lighting in [0, 1), '
                         f'got {noise_std} and {lighting}')
    rng = np.random.default_rng(seed)
    background = photo_background(photo, height, width, rng)
    max_size = max(1, min(max_size, min(height, width) // 4))
    sprites = [_Sprite(rng, height, width, max_size, inside=True)
               for _ in range(num_sprites)]
    period = rng.uniform(200, 400)
    phase = rng.uniform(0, 2 * np.pi)
    gain = (1 + lighting * np.sin(2 * np.pi * np.arange(num_frames) / period
                                  + phase)).astype(np.float32)
    frames = np.empty((num_frames, height, width, 3), np.uint8)
    masks = np.zeros((num_frames, height, width), bool)
    for t in range(num_frames):
        canvas = background.copy()
        for sprite in sprites:
            sprite.draw(canvas)
        masks[t] = (canvas != background).any(axis=2)
        canvas *= gain[t]
        canvas += rng.normal(0, noise_std, canvas.shape).astype(np.float32)
        frames[t] = np.clip(np.rint(canvas), 0, 255)
        for k, sprite in enumerate(sprites):
            sprite.pos += sprite.vel
            if sprite.gone(height, width):
                sprites[k] = _Sprite(rng, height, width, max_size,
                                     inside=False)
    if return_layers:
        return frames, dict(background=background, gain=gain, masks=masks)
    return frames


"""Pictures of samples: image grids and 2-D scatter renders, as uint8 arrays."""

import math

import numpy as np
import tensorflow as tf

from ganzoo.data import to_uint8


def image_grid(images, columns=None, padding=2):
    """Tiles float images in [-1, 1] into one uint8 picture (H, W, C).

    Args:
        images: (num, height, width, channels), channels 1 or 3.
        columns: images per row; default ⌈√num⌉.
        padding: pixels of black between tiles.
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"image_grid expects (num, height, width, channels); got shape {images.shape}")
    num, height, width, channels = images.shape
    columns = columns or int(math.ceil(math.sqrt(num)))
    rows = int(math.ceil(num / columns))
    pixels = to_uint8(images).numpy()
    grid = np.zeros(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels), np.uint8
    )
    for i in range(num):
        r, c = divmod(i, columns)
        top, left = padding + r * (height + padding), padding + c * (width + padding)
        grid[top : top + height, left : left + width] = pixels[i]
    return grid


def scatter_image(points, extent=None, size=256, reference=None):
    """Renders 2-D points as a uint8 RGB picture (size, size, 3).

    Samples are white, ``reference`` points (e.g. mixture modes) red.
    ``extent`` is the half-width of the square shown; default fits the data.
    """
    points = np.asarray(points, np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"scatter_image expects points of shape (num, 2); got {points.shape}")
    everything = points if reference is None else np.concatenate([points, reference])
    extent = extent or 1.2 * float(np.max(np.abs(everything)) or 1.0)
    picture = np.zeros((size, size, 3), np.uint8)

    def plot(xy, color, radius):
        pixels = np.round((xy / extent + 1.0) / 2.0 * (size - 1)).astype(int)
        for x, y in pixels:
            if 0 <= x < size and 0 <= y < size:
                picture[max(size - 1 - y - radius, 0) : size - y + radius, max(x - radius, 0) : x + radius + 1] = color

    plot(points, (255, 255, 255), 0)
    if reference is not None:
        # Hollow red markers, so that the samples on a mode stay visible.
        for x, y in np.round((np.asarray(reference) / extent + 1.0) / 2.0 * (size - 1)).astype(int):
            for dx, dy in ((-3, 0), (3, 0), (0, -3), (0, 3)):
                if 0 <= x + dx < size and 0 <= y + dy < size:
                    picture[size - 1 - (y + dy), x + dx] = (255, 0, 0)
    return picture


def samples_picture(samples, reference=None):
    """An image grid for images, a scatter render for 2-D points."""
    samples = np.asarray(samples)
    if samples.ndim == 2:
        return scatter_image(samples, reference=reference)
    return image_grid(samples)


def write_png(path, picture):
    """Writes a uint8 (H, W, C) array with `tf.io.encode_png`."""
    tf.io.write_file(path, tf.io.encode_png(np.asarray(picture, np.uint8)))

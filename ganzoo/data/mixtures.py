"""The 2-D Gaussian mixtures of the PacGAN protocol (Lin et al. 2018, §5.1).

* ring8: 8 modes evenly spaced on a circle of radius 1, σ = 0.01;
* grid25: 25 modes at {-4, -2, 0, 2, 4}², σ = 0.05.

Both have equal mode weights. A sample is high-quality when it lies within
3σ of its nearest mode; a mode is covered when it is the nearest mode of at
least one high-quality sample (PacGAN counts modes that way).
"""

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class GaussianMixture:
    """Equal-weight isotropic Gaussian mixture in R^d."""

    name: str
    centers: np.ndarray  # (num_modes, dim)
    std: float

    @property
    def num_modes(self):
        return len(self.centers)

    def sample(self, num, seed=None, with_labels=False):
        """``num`` float32 points, shape (num, dim); the same seed gives the
        same points. ``with_labels=True`` returns ``(points, modes)``, modes
        being the int64 index of the mode each point was drawn from (the
        label of the conditional GANs)."""
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.num_modes, size=num)
        noise = rng.normal(0.0, self.std, size=(num, self.centers.shape[1]))
        points = (self.centers[modes] + noise).astype(np.float32)
        return (points, modes.astype(np.int64)) if with_labels else points

    def nearest_mode(self, points):
        """Returns (index of the nearest mode, distance to it) per point."""
        points = np.asarray(points, np.float64)
        distances = np.linalg.norm(points[:, None, :] - self.centers[None], axis=-1)
        index = np.argmin(distances, axis=1)
        return index, distances[np.arange(len(points)), index]


def _ring(num_modes=8, radius=1.0):
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def _grid(values=(-4.0, -2.0, 0.0, 2.0, 4.0)):
    return np.array([(x, y) for x in values for y in values], np.float64)


MIXTURES = {
    "ring8": GaussianMixture("ring8", _ring(), std=0.01),
    "grid25": GaussianMixture("grid25", _grid(), std=0.05),
}

"""A 30-line function with a loop, a branch and a helper call (for the cache benchmark)."""

import numpy as np


def smooth(v, width):
    out = v * 0.5
    for k in range(width):
        out = out + np.tanh(v * (k + 1)) / (k + 2)
    return out


def model(x, w, steps=20):
    h = x * 1.0
    total = 0.0
    for t in range(steps):
        z = h * w + 0.1 * t
        if np.sum(z) > 0:
            h = smooth(z, 3)
        else:
            h = np.exp(z) - 1.0
        decay = 0.9 ** t
        total = total + decay * np.sum(h * h)
        if total > 1e6:
            break
        h = h / (1.0 + np.abs(h))
    penalty = np.sum(w * w) * 0.01
    score = total + penalty
    if score < 0:
        score = -score
    mean = np.mean(h)
    spread = np.sqrt(np.mean((h - mean) ** 2) + 1e-8)
    return score + spread

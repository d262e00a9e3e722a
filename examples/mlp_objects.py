"""Fit a small network made of layer objects, each holding its own parameters.

Run: ``python3 examples/mlp_objects.py``. ``MLP`` holds a list of ``Dense`` layers; each
layer holds ``W``, ``b`` and its activation (a function stored on the instance). The
gradient of the loss with respect to the model has the model's structure, as dicts:
``{"layers": [{"W": ..., "b": ...}, ...]}``; ``step`` walks it to update every layer.
"""

import itertools

import numpy as np

import s2sad


def identity(z):
    return z


class Dense:
    def __init__(self, rng, n_in, n_out, act=np.tanh, scale=1.0):
        self.W = rng.normal(size=(n_in, n_out)) * scale / np.sqrt(n_in)
        self.b = np.zeros(n_out)
        self.act = act

    def __call__(self, x):
        return self.act(x @ self.W + self.b)


class MLP:
    def __init__(self, rng, sizes):
        self.hidden = [Dense(rng, a, b) for a, b in itertools.pairwise(sizes[:-1])]
        self.out = Dense(rng, sizes[-2], sizes[-1], act=identity, scale=0.1)

    def __call__(self, x):
        h = x
        for layer in self.hidden:
            h = layer(h)
        return self.out(h)


def loss(model, x, y):
    error = model(x) - y
    return np.mean(error * error)


def step(model, grads, rate):
    """Plain gradient descent on every layer, following the gradient's structure."""
    for layer, g in zip(model.hidden + [model.out], grads["hidden"] + [grads["out"]]):
        layer.W = layer.W - rate * g["W"]
        layer.b = layer.b - rate * g["b"]


def fit(steps=400, rate=0.05, seed=0, verbose=False):
    rng = np.random.default_rng(seed)
    x = np.linspace(-2.0, 2.0, 64).reshape(-1, 1)
    y = np.sin(2.0 * x)
    model = MLP(rng, [1, 16, 16, 1])
    value_and_grad = s2sad.value_and_grad(loss)
    history = []
    for k in range(steps):
        value, grads = value_and_grad(model, x, y)
        step(model, grads, rate)
        history.append(float(value))
        if verbose and k % 100 == 0:
            print(f"step {k:4d}  loss {value:.5f}")
    return model, history


def main() -> int:
    _, history = fit(verbose=True)
    print(f"loss: {history[0]:.4f} -> {history[-1]:.4f}")
    return 0 if history[-1] < 0.2 * history[0] else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Structured parameters: dicts, lists, dataclasses and objects with methods."""

from dataclasses import dataclass

import numpy as np


def dict_loss(params, x):
    h = np.tanh(x @ params["W"] + params["b"])
    return np.sum(h * h)


def list_loss(ws, x):
    for w in ws:
        x = np.tanh(x @ w)
    return np.sum(x)


@dataclass
class Params:
    W: np.ndarray
    b: np.ndarray
    n: int = 3


def dataclass_loss(p, x):
    h = np.tanh(x @ p.W + p.b)
    return np.sum(h * h) * p.n


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def act(self, z):
        return np.tanh(z)

    def __call__(self, x):
        return self.act(x @ self.W + self.b)


def model_loss(model, x):
    h = model(x)
    return np.sum(model.act(h) ** 2)


def train(params, x, y, steps, rate):
    """Plain gradient descent on a dict of arrays (what examples/train.py shows)."""
    import s2sad
    df = s2sad.grad(squared_error)
    for _ in range(steps):
        g = df(params, x, y)
        params = {k: params[k] - rate * g[k] for k in params}
    return params


def squared_error(params, x, y):
    pred = np.tanh(x @ params["W"] + params["b"])
    return np.mean((pred - y) ** 2)


def apply(x, act):
    return np.sum(act(x) * x)


def softplus(z):
    return np.log(1.0 + np.exp(z))


def make_closure(scale):
    offset = np.array([1.0, 2.0])

    def f(x):
        return np.sum((x * scale + offset) ** 2)
    return f


def dict_literal(x, y):
    d = {"a": x * 2.0, "b": y, "c": 3.0}
    return np.sum(d["a"] * d["b"]) + d["c"]


def returns_dict(x):
    return {"sq": x * x, "twice": 2.0 * x}


scaled_sine = lambda z: np.sin(z) * 3.0  # noqa: E731 - a lambda passed in by the test

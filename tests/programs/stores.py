"""Stores into arrays and lists inside differentiated functions (x[i] = v, x[i:j] += v)."""

import numpy as np


def fill(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = x[i] * x[i]
    out[1:] += x[0]
    out[0] = out[0] * out[2]
    return np.sum(out * np.arange(1.0, 4.0))


def overwrite_then_read(x):
    buf = np.zeros((2, 3))
    buf[0] = np.sin(x)
    y = buf[0] * 2.0
    buf[0] = x * x          # the first row is overwritten: its old value gets no gradient
    buf[1, :2] = y[:2]
    return np.sum(buf * buf)


def list_store(x, y):
    xs = [x, y, x * y]
    xs[1] = xs[0] * 3.0
    return xs[1] + xs[2]


def fancy(x):
    out = np.zeros(4)
    out[np.array([0, 2])] = x[:2] * 3.0
    out[3] = x[2]
    return np.sum(out ** 2)


def into_parameter(x):
    x[0] = 1.0
    return x.sum()


def into_alias(x):
    y = x * 1.0
    z = y
    z[0] = 2.0
    return np.sum(y)


def into_view(x):
    y = x * 1.0
    row = y[1:]
    row[0] = 3.0
    return np.sum(y)


def appends(x, w):
    h = x
    hs = []
    for t in range(4):
        h = np.tanh(h * w + 0.1 * t)
        hs.append(h)
    return np.sum(hs[-1] * hs[0] + hs[2])


def extend(x):
    ys = [x]
    ys.extend([x, x])
    return ys[0]


# second derivatives (hvp, hessian, grad of grad) through stores

def reads_restored(x):
    """The adjoint reads ``out`` as it was before each store: its tangent is restored too."""
    out = np.zeros(3)
    s = 0.0
    for i in range(3):
        s = s + np.sum(out ** 2) * x[i]
        out[i] = x[i] ** 2 + s
    return s + np.sum(np.sin(out))


def list_overwritten(x):
    xs = [x[0], x[1], x[2]]
    xs[1] = xs[0] * xs[2]
    t = xs[1] ** 2
    xs[1] = np.exp(xs[1])
    return t + xs[1] * xs[2]


def dict_new_keys(x):
    d = {}
    d["a"] = x[0] * x[1]
    d["b"] = d["a"] ** 2 + x[2]
    d["a"] = np.sin(d["b"])
    return d["a"] * d["b"] + x[0] ** 3


def slice_updates(x):
    f = np.ones(4)
    for i in range(3):
        f[:-1] *= x[i] * f[1:]
        f[1:] += np.sin(f[:-1]) * x[i]
    return np.sum(f ** 2)


def pops(x):
    hs = [x * 1.0]
    for _ in range(3):
        hs.append(np.sin(hs[-1]) * x)
    hs.pop()
    return np.sum(hs[-1] ** 2) + np.sum(hs[0] * hs[1])


def pop_value_unused(x):
    hs = [x * 1.0, x * 2.0]
    _ = hs.pop()
    return np.sum(hs[-1])


def pop_shared(x):
    hs = [x * 1.0, x * 2.0]
    ys = hs
    hs.pop()
    return np.sum(ys[-1])


def appends_only(x):
    hs = []
    h = x
    for t in range(3):
        h = np.tanh(h * x + 0.1 * t)
        hs.append(h)
    return np.sum(hs[-1] * hs[0]) + sum(hs).sum() / len(hs)

"""Issue 6's language features, one small program each, for the table of
tests/test_language_forward.py (reverse and forward mode against finite differences)."""

import numpy as np

import s2sad
from s2sad import d


def power(x, n):
    return 1.0 if n == 0 else x * power(x, n - 1)


def uses_power(x):
    return np.sum(power(x, 3) + power(np.sin(x), 2))


def is_even(x, n):
    """Mutual recursion on data: is_even calls is_odd calls is_even, n down to 0."""
    if n == 0:
        return x
    return is_odd(x * 1.5, n - 1)


def is_odd(x, n):
    if n == 0:
        return np.sin(x)
    return is_even(np.cos(x) * x, n - 1)


def smooth_clip(x):
    return np.tanh(x)


@s2sad.adjoint(smooth_clip)
def smooth_clip_adjoint(y, x):
    d[x] = d[y] * (1.0 - y * y)


@s2sad.tangent(smooth_clip)
def smooth_clip_tangent(y, x):
    d[y] = d[x] * (1.0 - y * y)


def uses_custom_rule(x):
    return np.sum(smooth_clip(x * 2.0) * x)


def weighted(x, *ws):
    """*args on the differentiated function."""
    total = 0.0
    for w in ws:
        total = total + np.sum(np.sin(x * w))
    return total


def calls_weighted(x, y):
    """*args on a helper: the extra arguments travel as one tuple."""
    return weighted(x, y, 2.0 * y) + weighted(y * x)


def options(x, **opts):
    return np.sum(x ** 2) * opts["scale"] + np.sum(opts["shift"])


def calls_options(x, y):
    """**kwargs on a helper."""
    return options(x, scale=y[0], shift=1.0) + options(y * x, scale=2.0, shift=y)


def keyword_only(x, *, scale, power=2.0):
    return np.sum((x * scale) ** power)


def calls_keyword_only(x, s):
    return keyword_only(x, scale=s) + keyword_only(x, power=3.0, scale=2.0)


def tuple_loss(pair, x):
    a, b = pair
    return np.sum(np.tanh(x * a) * b)


def surgery(x):
    """Forward mode ignores gradient surgery: the tangent is the plain derivative's."""
    h = np.sin(x) * 3.0
    with s2sad.grad_of(h) as dh:
        dh = dh * 1.0
    return np.sum(h * h)


def list_and_stores(x):
    out = np.zeros(3)
    hs = []
    for i in range(3):
        out[i] = x[i] * x[(i + 1) % 3]
        hs.append(np.sin(out[i]) + x)
    return np.sum(np.stack(hs) * out[1]) + np.sum(hs[-1])


def scaled_rows(x, *rest, scale=2.0):
    """*args and a keyword-only parameter with a default."""
    return x * rest[0] * scale

"""In-place changes inside differentiated functions: refused when another name that is
read later would see them, differentiated otherwise."""

import numpy as np

# -- refused: another live name sees the change ----------------------------------------

def aug_alias(x, y):
    z = x
    z += y          # numpy writes into x too
    return np.sum(z * x)


def aug_alias_other_way(x, y):
    z = x
    x += y          # z sees it
    return np.sum(z * x)


def aug_view(x):
    x = x * 1.0
    h = x[0:2]
    h += 1.0        # a view: x changes
    return np.sum(x * x)


def aug_attribute(model, x):
    w = model.W
    w += 1.0        # model.W changes
    return np.sum(model.W * x)


def aug_list(x):
    xs = [x]
    ys = xs
    ys += [x * 2.0]  # a list: extended in place, xs sees it
    return np.sum(xs[-1])


def store_alias(x):
    a = np.zeros(2)
    b = a
    a[0] = x[0]
    return np.sum(b * 3.0)


def store_view(x):
    X = np.ones((2, 2))
    row = X[1]
    X[1] = x        # row sees the new values
    return np.sum(row * 2.0)


def store_member(x):
    h = np.sin(x)
    hs = [h]
    h[0] = 0.0      # hs[0] is h
    return np.sum(hs[0])


def append_alias(x):
    xs = []
    ys = xs
    xs.append(x * 2.0)
    return np.sum(ys[-1])


# -- differentiated: nothing live sees the change ---------------------------------------

def aug_copy(x, y):
    z = x * 1.0
    z += y
    return np.sum(z * x)


def aug_alias_not_read_again(x, y):
    z = x
    z += y
    return np.sum(z * z)


def aug_scalar_alias(x):
    s = np.sum(x)
    t = s
    t += 1.0        # a number: rebound, in Python too
    return t * s


def aug_after_swap(a, b):
    a, b = b, a
    a += 1.0        # a and b are different arrays after the swap
    return np.sum(a * b)


def recurrence_through_views(x):
    X = np.ones((3, 2))
    for i in range(1, 3):
        prev = X[i - 1]
        X[i] = prev * x
    return np.sum(X)


def list_grows_while_read(x):
    hs = [x]
    for _ in range(3):
        last = hs[-1]
        hs.append(np.sin(last))
    return np.sum(np.stack(hs))


def saved_value_overwritten(x):
    y = np.sin(x)
    s = np.sum(y * y)   # the adjoint needs y
    y[0] = 2.0          # saved before the store, written back in the adjoint
    return s + np.sum(y * x)


def aug_in_nested_function(x):
    def bump(v):
        v += 1.0        # writes into the caller's x
        return v
    y = bump(x)
    return np.sum(y * x)


def bump(v):
    v += 1.0            # Python writes into the caller's array
    return v * 2.0


def aug_in_helper(x):
    y = bump(x)
    return np.sum(y * x)

"""What generated derivative code calls at run time. Small on purpose.

No global state: the tape is a list local to one call of a derivative.
Structured values (tuples, lists) are handled here and nowhere else. The
scalar ``0.0`` stands for "zero of whatever shape" wherever a gradient is
zero so far; every helper accepts it.
"""

from __future__ import annotations

import numpy as np

_SCALARS = (float, int, bool, complex)
_BASIC_INDEX = (int, slice, type(None), type(Ellipsis), np.integer)


def shape_of(x) -> tuple:
    shape = getattr(x, "shape", None)
    if shape is not None:
        return shape
    if isinstance(x, _SCALARS):
        return ()
    return np.shape(x)


def unbroadcast(g, like, before=None):
    """Sum ``g`` over the axes along which ``like`` was broadcast; shape of ``like``.

    A list or tuple ``like`` is an operand of a concatenation ``x + y`` whose gradient is
    ``g``: its own parts of ``g``, those after ``before``'s (``x``, given for ``y``).
    """
    if type(g) is np.ndarray and type(like) is np.ndarray and g.shape == like.shape:
        return g  # the common case, first
    if isinstance(like, dict) or isinstance(like, (tuple, list)) and len(g) == len(like):
        # a sum of two structures' gradients (Cotangent + Cotangent), or a concatenation
        # with an empty list: part by part
        return g
    if isinstance(like, (tuple, list)):
        if not isinstance(g, tuple) or len(g) < len(like):
            raise NotImplementedError(f"the gradient of a list of {len(like)} from "
                                      f"{type(g).__name__} of {np.size(g)} is not supported")
        start = len(before) if before is not None else 0
        return Cotangent(g[start:start + len(like)])
    target = shape_of(like)
    shape = shape_of(g)
    if shape == target:
        return g
    extra = len(shape) - len(target)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
        shape = shape_of(g)
    axes = tuple(i for i, n in enumerate(target) if n == 1 and i < len(shape) and shape[i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if shape_of(g) != target:
        g = np.broadcast_to(g, target)
    return g


def _is_basic(index) -> bool:
    if isinstance(index, tuple):
        return all(isinstance(i, _BASIC_INDEX) for i in index)
    return isinstance(index, _BASIC_INDEX)


class Tape(list):
    """The stack one call of a derivative records on (a list: ``append`` and ``pop`` are
    the list's own). ``transfers`` carries gradients between a pop and its push when the
    derivative is itself differentiated in reverse mode."""

    __slots__ = ("_transfers",)

    @property
    def transfers(self) -> list:
        try:
            return self._transfers
        except AttributeError:  # made on first use: most derivatives never need one
            self._transfers = []
            return self._transfers


class Cotangent(tuple):
    """The gradient of a tuple or list: a tuple that adds elementwise (``0.0`` is zero).

    Generated code accumulates gradients with ``+`` whatever they are; this keeps
    ``+`` meaning addition, not concatenation, for structured values.
    """

    __slots__ = ()

    def __add__(self, other):
        if isinstance(other, tuple):
            return Cotangent(a + b for a, b in zip(self, other))
        return self  # other is the scalar zero

    __radd__ = __add__

    def __mul__(self, count):
        """The gradient of the operand of a repetition ``xs * count`` given this gradient
        of the result: the sum of its ``count`` repeated parts (what the adjoint of
        ``operator.mul``, ``d[z] * y``, computes; tuples are never scaled)."""
        if not isinstance(count, (int, np.integer)) or isinstance(count, bool) \
                or count <= 0 or len(self) % count:
            return NotImplemented
        size = len(self) // count
        repeats = zip(*(self[k * size:(k + 1) * size] for k in range(count)))
        return Cotangent(sum(parts[1:], parts[0]) for parts in repeats)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"Cotangent{tuple.__repr__(self)}"


class CotangentDict(dict):
    """The gradient of a dict, or of an object's attributes: adds key by key; a missing
    key is zero."""

    def __add__(self, other):
        if not isinstance(other, dict):
            return self  # other is the scalar zero
        out = CotangentDict(self)
        for key, value in other.items():
            out[key] = out[key] + value if key in out else value
        return out

    __radd__ = __add__


def get_attribute(obj, name):
    """``obj.name``: the key of the rule for reading an attribute of an object."""
    return getattr(obj, name)


def unattribute(g, name):
    """The gradient of an object given the gradient ``g`` of its attribute ``name``."""
    return CotangentDict({name: g})


def cotangent(value):
    """A user-given cotangent with tuples and lists as `Cotangent`."""
    if isinstance(value, (tuple, list)):
        return Cotangent(cotangent(v) for v in value)
    return value


def unindex(g, like, index):
    """The gradient of ``like`` given the gradient ``g`` of ``like[index]``."""
    if isinstance(like, (tuple, list)):
        # the other parts get zeros of their shape: a helper's adjoint (or a rule) that
        # receives this may need them shaped (matmul_adjoint, an axis of a mean)
        out = [zeros_like(v) for v in like]
        out[index] = g
        return Cotangent(out)
    if isinstance(like, dict):
        return CotangentDict({index: g})
    out = np.zeros(shape_of(like), dtype=np.result_type(like, g))
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def index_add(d, g, like, index):
    """``d + unindex(g, like, index)``, added into ``d`` in place when it is an array of
    ``like``'s shape: only for a gradient that owns its array (`accumulate_in_place`), so
    a loop over the elements of ``x`` adds each one's gradient where it belongs instead of
    making a zero array of ``x``'s shape per element."""
    if isinstance(d, np.ndarray) and isinstance(like, np.ndarray) and d.shape == like.shape \
            and d.flags.writeable:
        if _is_basic(index):
            d[index] += g
        else:
            np.add.at(d, index, g)
        return d
    return d + unindex(g, like, index)


def item(g, k):
    """Part ``k`` of a structured gradient (zero when the whole is still zero). An array is
    the gradient of a literal a rule read as an array (``np.prod([x, y])``): its row k."""
    if isinstance(g, (tuple, list)) or getattr(g, "ndim", 0):
        return g[k]
    return g


def ones_like(x):
    """The seed of a reverse sweep: ones in the structure of the output."""
    if isinstance(x, (tuple, list)):
        return Cotangent(ones_like(v) for v in x)
    if isinstance(x, dict):
        return CotangentDict({k: ones_like(v) for k, v in x.items()})
    if isinstance(x, float):
        return 1.0
    if isinstance(x, (int, bool)) or x is None:
        return 0.0
    return np.ones_like(x)


def zeros_like(x):
    """A zero gradient for ``x`` (``0.0`` when ``x`` has no value yet)."""
    if isinstance(x, (tuple, list)):
        return Cotangent(zeros_like(v) for v in x)
    if isinstance(x, dict) or _is_object(x):
        return CotangentDict()
    if x is None or isinstance(x, (float, int, bool)):
        return 0.0
    return np.zeros_like(x)


class grad_of:
    """Gradient surgery: ``with s2sad.grad_of(h) as dh: dh = np.clip(dh, -1, 1)``.

    In the derivative, the body runs in the adjoint once the gradient of ``h`` is
    complete, and what it leaves in ``dh`` becomes the gradient of ``h`` (clipping,
    logging, a breakpoint). Run as plain Python, the body sees zeros and changes nothing.
    """

    def __init__(self, value) -> None:
        self.value = value

    def __enter__(self):
        return zeros_like(self.value)

    def __exit__(self, *exc) -> bool:
        return False


def check_unshared(value, filename: str, lineno: int, name: str, partner: str) -> None:
    """Refuse ``name += ...`` on an array or a list that ``partner``, read later, shares:
    plain Python would write into the shared memory; a derivative rebinds ``name``. (A
    number is rebound by Python too: nothing to refuse.)"""
    if isinstance(value, (np.ndarray, list, dict)):
        from .errors import UnsupportedConstructError
        raise UnsupportedConstructError(
            f"{name} += ... writes into the {type(value).__name__} {name!r} in place, and "
            f"{partner!r}, read later, shares its memory (a copy, a view, an attribute or "
            "an item of it): the derivative cannot follow the change",
            filename=filename, lineno=lineno,
            hint=f"copy first ({name} = {name}.copy()), or write {name} = {name} + ... "
                 "if the change is not meant to be seen through the other name")


def stop_gradient(x):
    """The identity in the primal; its derivative is zero.

    Inside a differentiated function, ``u = s2sad.stop_gradient(x * x)`` makes
    ``u`` a constant: no gradient flows back through it.
    """
    return x


def _is_object(x) -> bool:
    """An instance of a user class (a dataclass, a model object): not a number, array or
    container."""
    return hasattr(x, "__dict__") and not isinstance(x, (np.ndarray, np.generic, type))


def _holds_floats(x, depth: int = 0) -> bool:
    """An object (a layer of a model) with float attributes, at any depth."""
    if depth > 8:
        return False
    return any(differentiable_leaf(v) or _is_object(v) and _holds_floats(v, depth + 1)
               or isinstance(v, (tuple, list)) and any(
                   differentiable_leaf(e) or _is_object(e) and _holds_floats(e, depth + 1)
                   for e in v)
               for v in vars(x).values())


def differentiable_leaf(x) -> bool:
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (float, np.floating)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def finalize(g, like):
    """``g`` in the type, shape and dtype of the input ``like`` it is the gradient of.

    Tuples and lists give tuples and lists, dicts give dicts, a dataclass gives an
    instance of the same dataclass (float fields hold gradients, others keep their
    values), any other object a dict of the gradients of its float attributes (an
    attribute holding an object with float attributes, a layer of a model, gets the
    gradient of that object: a dict, or an instance of its dataclass).
    """
    if type(like) is np.ndarray:  # the common case, first
        if type(g) is np.ndarray and g.dtype == like.dtype and g.shape == like.shape \
                and g.flags.writeable and g is not like:
            return g
        if like.ndim == 0 and (type(g) is float or type(g) is np.float64):
            return np.array(g, like.dtype)  # a 0-d input: its gradient is a number
        return _fresh_array(g, like)
    if isinstance(like, (tuple, list)):
        g = g if isinstance(g, (tuple, list)) else [0.0] * len(like)
        parts = [finalize(a, b) for a, b in zip(g, like)]
        return type(like)(*parts) if hasattr(like, "_fields") else type(like)(parts)
    if isinstance(like, dict):
        g = g if isinstance(g, dict) else {}
        return {k: finalize(g.get(k, 0.0), v) for k, v in like.items()}
    if _is_object(like):
        import dataclasses
        g = g if isinstance(g, dict) else {}
        grads = {k: finalize(g.get(k, 0.0), v) for k, v in vars(like).items()
                 if differentiable_leaf(v) or isinstance(v, (tuple, list, dict))
                 or _is_object(v) and _holds_floats(v)}
        if dataclasses.is_dataclass(like):
            names = {f.name for f in dataclasses.fields(like)}
            return dataclasses.replace(like, **{k: v for k, v in grads.items() if k in names})
        return grads
    if np.iscomplexobj(g) and not np.iscomplexobj(like):
        g = np.real(g)  # through complex intermediates to a real input, as autograd does
    if isinstance(like, np.generic):
        return like.dtype.type(g)
    if isinstance(like, float):
        return float(g)
    if isinstance(like, np.ndarray):
        return _fresh_array(g, like)
    return g


def _fresh_array(g, like):
    """``g`` as a fresh, writable array of the shape and dtype of ``like``, which the
    caller owns (the real part, from complex intermediates to a real input)."""
    if np.iscomplexobj(g) and like.dtype.kind != "c":
        g = np.real(g)
    if shape_of(g) != like.shape:
        g = np.broadcast_to(g, like.shape)
    return np.array(g, dtype=like.dtype)


# -- helpers of the shipped templates ---------------------------------------------

def broadcast_tangent(t, like):
    """The tangent ``t`` in the shape of the result ``like`` it belongs to.

    Forward mode needs no unbroadcast, but a tangent that passes an argument through
    unchanged (``d[z] = d[x]`` of ``z = x + y`` with ``y`` constant) has the argument's
    shape, which is smaller where the argument was broadcast; a sum or reshape downstream
    would then see too few elements. Broadcast up (a read-only view, in ``like``'s dtype).
    Tuples and lists (``+`` concatenates them, and their tangents alike) are left as they are.
    """
    if isinstance(like, (tuple, list)):
        return t
    shape = shape_of(like)
    if shape_of(t) == shape:
        return t
    return np.broadcast_to(np.asarray(t, dtype=getattr(like, "dtype", None)), shape)


def zero_tangent(x):
    """A zero tangent for ``x``: like `zeros_like`, but a tuple or list gets a plain tuple,
    since ``+`` of lists concatenates, and their tangents must too (a `Cotangent`, which
    adds part by part, stays one), and a dict a zero for each of its keys."""
    if isinstance(x, (tuple, list)) and not isinstance(x, Cotangent):
        return tuple(zero_tangent(v) for v in x)
    if type(x) is dict:  # read key by key (d[x][key]): every key gets its zero
        return CotangentDict((k, zero_tangent(v)) for k, v in x.items())
    return zeros_like(x)


def _symbolic_zero(t) -> bool:
    """Is ``t`` the zero a constant argument's tangent is replaced by (or a zero float)?"""
    return type(t) is float and t == 0.0


def _axes(axis, ndim: int) -> tuple:
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def sum_adjoint(g, x, axis=None, keepdims=False):
    """Gradient of ``np.sum(x, axis, keepdims=keepdims)`` given ``g``."""
    shape = shape_of(x)
    if axis is not None and not keepdims and len(shape):
        g = np.expand_dims(g, _axes(axis, len(shape)))
    return np.broadcast_to(g, shape)


def count(x, axis=None) -> int:
    """How many elements ``np.mean(x, axis)`` averages over."""
    shape = shape_of(x)
    if axis is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in _axes(axis, len(shape))]))


def matmul_adjoint(g, a, b, argnum: int):
    """Gradient of ``a @ b`` with respect to ``a`` (argnum 0) or ``b`` (1)."""
    if type(g) is np.ndarray and type(a) is np.ndarray and type(b) is np.ndarray \
            and a.ndim == 2 and b.ndim == 2:  # matrices: nothing to broadcast
        return g @ b.T if argnum == 0 else a.T @ g
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    a2 = a if a_nd > 1 else np.reshape(a, (1, -1))
    b2 = b if b_nd > 1 else np.reshape(b, (-1, 1))
    if b_nd == 1:
        g = np.expand_dims(g, -1)
    if a_nd == 1:
        g = np.expand_dims(g, -2)
    if argnum == 0:
        out = g @ np.swapaxes(b2, -1, -2)
        return unbroadcast(np.squeeze(out, -2) if a_nd == 1 else out, a)
    out = np.swapaxes(a2, -1, -2) @ g
    return unbroadcast(np.squeeze(out, -1) if b_nd == 1 else out, b)


def dot_adjoint(g, a, b, argnum: int):
    """Gradient of ``np.dot(a, b)`` (scalars, vectors and matrices)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        other = b if argnum == 0 else a
        return unbroadcast(g * other, a if argnum == 0 else b)
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        raise NotImplementedError("the gradient of np.dot on arrays of more than two "
                                  "dimensions is not implemented; use np.matmul or np.einsum")
    return matmul_adjoint(g, a, b, argnum)


def dot_jvp(z, x, y, dx, dy):
    """Tangent of ``z = np.dot(x, y)``: ``np.dot(dx, y) + np.dot(x, dy)``, without the term
    of a constant argument (whose tangent is the scalar zero, of the wrong shape for dot)."""
    if _symbolic_zero(dx):
        return zeros_like(z) if _symbolic_zero(dy) else np.dot(x, dy)
    if _symbolic_zero(dy):
        return np.dot(dx, y)
    return np.dot(dx, y) + np.dot(x, dy)


def balanced_eq(x, z, y):
    """1 where ``x`` is the max/min ``z``, 0.5 where ``x`` ties with ``y`` (autograd's split),
    in ``z``'s float dtype (so that a float32 derivative stays float32)."""
    w = (x == z) / (1.0 + (x == y))
    dtype = getattr(z, "dtype", None)
    if dtype is not None and dtype.kind == "f" and getattr(w, "dtype", dtype) != dtype:
        w = w.astype(dtype)
    return w


def inverse_axes(axes):
    """The permutation undoing ``np.transpose(x, axes)``."""
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    if axes is None or len(axes) == 0:
        return None
    return tuple(int(i) for i in np.argsort([a % len(axes) for a in axes]))


def transpose_axes(axes):
    """The ``axes`` of ``np.transpose`` for the method call ``x.transpose(*axes)``."""
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = axes[0]
    return None if axes is None or len(axes) == 0 else axes


def astype_adjoint(g, y):
    """Gradient of ``y = x.astype(dtype)``: ``g`` for a float cast, zero for an integer or
    boolean one (whose result is piecewise constant)."""
    if np.result_type(y).kind == "f":
        return g
    return np.zeros(shape_of(y))


def astype_jvp(t, y):
    """Tangent of ``y = x.astype(dtype)``: ``t`` cast to ``y``'s dtype for a float cast, zero
    for an integer or boolean one."""
    dtype = np.result_type(y)
    if dtype.kind != "f":
        return np.zeros(shape_of(y))
    if isinstance(t, np.ndarray):
        return t.astype(dtype, copy=False)
    return dtype.type(t)


def _check_norm(x, ord, axis) -> None:
    if ord not in (None, 2, "fro") or (ord == 2 and (axis is None and np.ndim(x) > 1
                                                    or isinstance(axis, tuple))):
        raise NotImplementedError(f"the derivative of np.linalg.norm with ord={ord!r} is "
                                  "not implemented yet")


def norm_adjoint(g, y, x, ord=None, axis=None, keepdims=False):
    """Gradient of ``np.linalg.norm(x, ord, axis, keepdims)`` for the 2- and Frobenius norms."""
    _check_norm(x, ord, axis)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, _axes(axis, np.ndim(x)))
        y = np.expand_dims(y, _axes(axis, np.ndim(x)))
    return g * x / y


def norm_jvp(t, y, x, ord=None, axis=None, keepdims=False):
    """Tangent of ``y = np.linalg.norm(x, ord, axis, keepdims)`` (2- and Frobenius norms):
    ``sum(x * t) / y`` over the normed axes."""
    _check_norm(x, ord, axis)
    return np.sum(x * t, axis=axis, keepdims=keepdims) / y


# -- what derivatives of derivatives need: the helpers above are differentiable too ----

def broadcast_like(v, target, before=None):
    """``v`` broadcast to the shape of ``target`` (the adjoint of `unbroadcast`). The
    gradient ``v`` of an operand of a concatenation ``target`` (a structure) is placed
    after ``before``'s parts, zeros elsewhere."""
    if isinstance(target, (tuple, list)) and isinstance(v, tuple):
        if len(v) == len(target):
            return v
        start = len(before) if before is not None else 0
        rest = target[start + len(v):]
        return Cotangent((*map(zeros_like, target[:start]), *v, *map(zeros_like, rest)))
    return np.broadcast_to(v, shape_of(target))


def matmul_adjoint_cotangent(u, a, b, argnum: int):
    """d/dg of <u, matmul_adjoint(g, a, b, argnum)>: ``u @ b`` or ``a @ u``."""
    return np.matmul(u, b) if argnum == 0 else np.matmul(a, u)


def matmul_adjoint_partner(g, u, a, b, argnum: int, wrt: int):
    """d/d(a or b) of <u, matmul_adjoint(g, a, b, argnum)>; the operand ``argnum`` only
    gives the shape, so its derivative is zero."""
    if wrt == argnum:
        return zeros_like(a if wrt == 0 else b)
    return matmul_adjoint(g, u, b, 1) if argnum == 0 else matmul_adjoint(g, a, u, 0)


def matmul_adjoint_tangent(g, a, b, da, db, argnum: int):
    """The tangent of matmul_adjoint(g, a, b, argnum) along the other operand."""
    other = db if argnum == 0 else da
    if np.ndim(other) == 0 and np.ndim(b if argnum == 0 else a) and other == 0:
        return 0.0
    return matmul_adjoint(g, a, db, 0) if argnum == 0 else matmul_adjoint(g, da, b, 1)


def dot_adjoint_cotangent(u, a, b, argnum: int):
    """d/dg of <u, dot_adjoint(g, a, b, argnum)>."""
    return np.dot(u, b) if argnum == 0 else np.dot(a, u)


def dot_adjoint_partner(g, u, a, b, argnum: int, wrt: int):
    """d/d(a or b) of <u, dot_adjoint(g, a, b, argnum)>."""
    if wrt == argnum:
        return zeros_like(a if wrt == 0 else b)
    return dot_adjoint(g, u, b, 1) if argnum == 0 else dot_adjoint(g, a, u, 0)


def dot_adjoint_tangent(g, a, b, da, db, argnum: int):
    """The tangent of dot_adjoint(g, a, b, argnum) along the other operand."""
    other = db if argnum == 0 else da
    if np.ndim(other) == 0 and np.ndim(b if argnum == 0 else a) and other == 0:
        return 0.0
    return dot_adjoint(g, a, db, 0) if argnum == 0 else dot_adjoint(g, da, b, 1)


def linear_in_first():
    """Functions that vanish when their first argument is zero (for folding zeros)."""
    return {unbroadcast, unindex, item, sum_adjoint, matmul_adjoint, dot_adjoint,
            broadcast_like, matmul_adjoint_cotangent, dot_adjoint_cotangent, astype_adjoint,
            np.sum, np.mean, np.transpose, np.reshape, np.negative, np.broadcast_to,
            np.expand_dims, np.squeeze, np.swapaxes, np.matmul, np.dot}


# -- stores into arrays and lists (x[i] = v) ----------------------------------------------

class _Absent:
    """What `saved_part` saves for a key a dict does not hold yet (the store adds it)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


def saved_part(x, index):
    """A copy of ``x[index]``, the values a store is about to overwrite (`ABSENT` for a
    key the dict ``x`` does not hold yet: ``stats["mean"] = ...`` on a new dict)."""
    if isinstance(x, dict) and index not in x:
        return ABSENT
    old = x[index]
    return old.copy() if isinstance(old, np.ndarray) else old


def restore_part(x, index, old) -> None:
    """Write the saved values back (in place: views of ``x`` see them too); a key the
    store added is removed again."""
    if old is ABSENT:
        del x[index]
    else:
        x[index] = old


def part(g, index):
    """``g[index]`` for a gradient that may still be the scalar zero."""
    if isinstance(g, dict):
        return g.get(index, 0.0)
    if isinstance(g, (np.ndarray, tuple, list)):
        return g[index]
    return g


def zero_part(g, index):
    """A copy of the gradient ``g`` with the part at ``index`` zeroed (it was overwritten)."""
    if isinstance(g, tuple):
        out = list(g)
        out[index] = 0.0
        return Cotangent(out)
    if isinstance(g, np.ndarray):
        g = g.copy()
        g[index] = 0
    elif isinstance(g, dict):  # the gradient of a dict: the key's part is zero again
        g = CotangentDict((k, v) for k, v in g.items() if k != index)
    return g


def part_copy(g, index):
    """`part`, never a view: for a gradient zeroed in place afterwards (`zero_part_owned`)."""
    found = part(g, index)
    return found.copy() if type(found) is np.ndarray else found


def zero_part_owned(g, index):
    """`zero_part` in place, for a gradient that owns its array (`accumulate_in_place`):
    a loop storing into ``out[i]`` no longer copies the whole gradient per store."""
    if type(g) is np.ndarray and g.flags.writeable:
        g[index] = 0
        return g
    return zero_part(g, index)


def set_part(t, index, value):
    """A copy of the tangent ``t`` with ``value`` stored at ``index``."""
    if isinstance(t, (tuple, list)):
        out = list(t)
        out[index] = value
        return type(t)(out)
    if isinstance(t, dict):  # the tangent of a dict (a `CotangentDict`)
        out = CotangentDict(t)
        if value is ABSENT:  # the tangent of restore_part removing a key
            out.pop(index, None)
        else:
            out[index] = value
        return out
    t = np.array(t, copy=True)
    t[index] = value
    return t


def last_part(g):
    """The gradient of the last element of a list (zero when the whole is still zero)."""
    return g[-1] if isinstance(g, tuple) and g else (0.0 if isinstance(g, tuple) else g)


def drop_last(g):
    """The gradient of a list without its last element (an append undone)."""
    return Cotangent(g[:-1]) if isinstance(g, tuple) else g


def padded(g):
    """The gradient of a list before ``pop()`` given its gradient after: a zero for the
    element removed (its value was not used)."""
    return Cotangent(tuple(g) + (0.0,)) if isinstance(g, tuple) else g


def last_part_adjoint(h, g):
    """The gradient of ``g`` in ``last_part(g)`` given ``h``, that of its result."""
    return unindex(h, g, len(g) - 1) if isinstance(g, tuple) and g else h


def appended(t, value):
    """The tangent of a list after ``append``: one more element."""
    return Cotangent(tuple(t) + (value,)) if isinstance(t, (tuple, list)) else \
        Cotangent((value,))

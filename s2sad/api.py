"""The public API: grad, value_and_grad, vjp, source.

Each call transforms the function once (memoized per function and options),
loads the generated module, and returns a small wrapper that checks inputs,
calls the generated code and gives every gradient the type, shape and dtype of
its input.
"""

from __future__ import annotations

import inspect
import types
import weakref
from collections.abc import Callable

import numpy as np

from . import cache, kinds, pipeline, rules
from .errors import ObjectCallError
from .load import load
from .parse import MISSING
from .runtime import (
    Tape,
    _is_object,
    cotangent,
    differentiable_leaf,
    finalize,
    index_add,
    part_copy,
    shape_of,
    zero_part_owned,
    zeros_like,
)

# The derivatives made for each function. A derivative refers to its function again
# (its scopes, its helpers, their module's globals), so the memo's values cannot hang
# off a WeakKeyDictionary directly (nothing would ever be dropped): the function holds
# its derivatives (in ``_HOLDER`` of its ``__dict__``, a cycle the collector breaks) and
# the memo maps it to a weak reference to them.
_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_HOLDER = "__s2sad_derivatives__"


class _Derivatives(dict):
    """The derivatives of one function, by options (a dict that weak references reach)."""

    def __reduce__(self):
        # a function pickled by value (cloudpickle) takes its __dict__ along: not these
        return _Derivatives, ()


def _memo_of(func) -> dict:
    """The derivatives already made for ``func`` (a new, empty memo when there are none
    or ``func`` cannot be a weak key)."""
    try:
        ref = _MEMO.get(func)
    except TypeError:
        return {}
    found = ref() if ref is not None else None
    if found is not None:
        return found
    found = _Derivatives()
    if type(func) is types.FunctionType:
        func.__dict__[_HOLDER] = found
        _MEMO[func] = weakref.ref(found)
    else:  # no __dict__ of its own (a bound method is made anew at each access)
        _MEMO[func] = lambda: found
    return found


class _Compiled:
    def __init__(self, derivative: pipeline.Derivative, scope: dict, path=None,
                 request: tuple = ()) -> None:
        self.derivative = derivative
        self.path = path
        self.request = request  # the arguments of `_compile` that made it
        # the helper functions it was generated from, and where the caller finds them
        self.callees = [(derivative.scopes[caller] if caller >= 0 else None, expr,
                         derivative.scopes[k + 1].func)
                        for k, (caller, expr, *_) in enumerate(derivative.callees)]
        self.entry = [scope[name] for name in derivative.entry]
        self.scope = scope
        self.live = [(bound, s, name) for bound, s, name in derivative.live]

    def current(self) -> bool:
        """Whether every helper is still the function it was generated from (a reloaded
        module rebinds its names; Python then calls the new function, and so must we).
        A method or function that came with the arguments (their classes and functions
        key this version) and cannot be found again by name, its module not importable
        (a file loaded by path), is taken as it is."""
        for scope, expr, func in self.callees:
            found = cache.resolve_path(expr, scope)
            if found is not func and (scope is not None or found is not MISSING):
                return False
        return True

    def joint_entry(self, k: int):
        """Entry point ``k`` of the joint form of this derivative (the same code when no
        helper is called and no gradient is changed in place by `index_add` or
        `zero_part_owned`, which the joint form leaves out): what a derivative of this
        derivative transforms."""
        func, wrt, kind, optimize, kinds, joint = self.request
        scatters = any(v is index_add or v is zero_part_owned or v is part_copy
                       for v in self.scope.values())
        if joint or not (self.derivative.callees or scatters):
            return self.entry[k]
        return _compile(func, wrt, kind, optimize, kinds, joint=True).entry[k]

    def refresh(self) -> None:
        """Re-read module-level data the derivative uses (a constant may have changed)."""
        for bound, scope, name in self.live:
            self.scope[bound] = scope.lookup(name)


def _target(func):
    """What s2sad transforms for ``func``: a derivative s2sad made stands for the generated
    function behind it, so derivatives of derivatives are derivatives of generated code
    (its joint form, where helpers keep what their adjoints read to themselves)."""
    generated = getattr(func, "__s2sad_function__", None)
    if generated is None and hasattr(func, "__s2sad_function__"):
        raise TypeError(f"{func.__qualname__} has not been called yet: its code depends on the "
                        "classes of its arguments; call it once before differentiating it")
    joint = getattr(func, "__s2sad_joint__", None)
    return joint() if joint is not None else generated or func


def _compile(func, wrt: tuple[str, ...], kind: str, optimize: bool,
             kinds: tuple | None = None, joint: bool = False) -> _Compiled:
    """The derivative specialized to ``kinds`` (see `_numbers`); by default, to arrays
    for every parameter, the common case (what ``grad(f)`` makes before any call, to
    report errors at once, and what ``s2sad show`` prints). ``joint``: its joint form
    (what a derivative of this derivative transforms, see `pipeline.derive`)."""
    if kinds is None:
        kinds = (frozenset(), tuple((p, np.ndarray) for p in _parameters(func)))
    func = _target(func)
    scalars, classes = kinds
    key = (wrt, kind, optimize, scalars, classes, joint)
    per_func = _memo_of(func)
    if key in per_func and not per_func[key].current():
        del per_func[key]
    if key not in per_func:
        derivative, path = _cached_derivative(func, wrt, kind, scalars, classes, optimize,
                                              joint)
        scope = load(derivative.source, derivative.namespace, func.__name__, path)
        per_func[key] = _Compiled(derivative, scope, path,
                                  (func, wrt, kind, optimize, kinds, joint))
    return per_func[key]


def _cached_derivative(func, wrt, kind, scalars, classes, optimize, joint=False):
    """The derivative from the disk cache, or freshly generated (and then stored)."""
    cache_dir = cache.directory() if isinstance(func, types.FunctionType) else None
    entry_key = None
    if cache_dir is not None:
        options = {"wrt": list(wrt), "kind": kind, "scalars": sorted(scalars),
                   "classes": [[p, kinds.describe(c)] for p, c in classes],
                   "optimize": optimize}
        if joint:
            options["joint"] = True
        entry_key = cache.key(func, options, rules.registry_digest(), pipeline.VERSION)
    if entry_key is not None:
        found = cache.lookup(cache_dir, entry_key, func, pipeline.VERSION)
        if found is not None:
            return found
    derivative = pipeline.derive(func, wrt, kind, scalars=scalars, types=classes,
                                 optimize=optimize, joint=joint)
    path = None
    if entry_key is not None:
        path = cache.store(cache_dir, entry_key, derivative, derivative.scopes,
                           pipeline.VERSION)
    return derivative, path


_PARAMETERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _parameters(func) -> list[str]:
    func = _target(func)
    try:
        return _PARAMETERS[func]
    except (KeyError, TypeError):
        pass
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        raise TypeError(f"{func!r} is not a Python function s2sad can read") from None
    names = [p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    try:
        _PARAMETERS[func] = names
    except TypeError:
        pass
    return names


def _every_parameter(func) -> list[str]:
    """Every parameter's name: positional ones, ``*args``, keyword-only ones, ``**kwargs``."""
    return list(inspect.signature(_target(func)).parameters)


def _wrt_names(func, wrt) -> tuple[tuple[str, ...], bool]:
    """Parameter names for ``wrt`` (int, name, or a tuple of them) and whether it was single."""
    params = _parameters(func)
    every = _every_parameter(func)
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise ValueError("wrt is empty: name at least one parameter to differentiate")
    names = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise TypeError(f"wrt must be a parameter index or name, not {item!r}")
        if isinstance(item, int):
            if not -len(params) <= item < len(params):
                raise ValueError(f"wrt={item} is out of range: {func.__qualname__} has "
                                 f"{len(params)} positional parameter(s) {params}")
            item = params[item]
        elif item not in every:
            raise ValueError(f"wrt={item!r} names no parameter of {func.__qualname__}; "
                             f"its parameters are {every}")
        names.append(item)
    if len(set(names)) != len(names):
        raise ValueError(f"wrt names a parameter twice: {names}")
    return tuple(names), single


def _differentiable(value) -> bool:
    """A float, a float array, or a structure of them (tuple, list, dict, an object with
    float attributes: its other attributes are constants)."""
    if differentiable_leaf(value):
        return True
    if isinstance(value, (tuple, list)) and value:
        return all(_differentiable(v) for v in value)
    if isinstance(value, dict) and value:
        return all(_differentiable(v) for v in value.values())
    if _is_object(value):
        return any(_differentiable(v) for v in vars(value).values())
    return False


def _check(func, name: str, value) -> None:
    if _differentiable(value):
        return
    kind = type(value).__name__
    if isinstance(value, np.ndarray):
        kind = f"an array of {value.dtype}"
    hint = ""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        hint = f"; pass a float such as {float(value)!r}"
    elif isinstance(value, np.ndarray) and value.dtype.kind in "iub":
        hint = "; convert it with .astype(float)"
    elif isinstance(value, (complex, np.complexfloating)) or (
            isinstance(value, np.ndarray) and value.dtype.kind == "c"):
        hint = "; complex differentiation is not supported"
    raise TypeError(f"cannot differentiate {func.__qualname__} with respect to {name!r}: "
                    f"it got {kind}; only float inputs (Python float, NumPy floating "
                    f"scalars and float arrays) are differentiable{hint}")


def _numbers(params, args) -> tuple:
    """What the derivative is specialized to: the parameters whose arguments are numbers
    of shape () (broadcasting bookkeeping goes away), and the classes of object arguments
    (their methods are transformed) and of array arguments (`shapes` relates the shapes of
    the variables to theirs)."""
    numbers, arrays = [], []
    for p, a in zip(params, args):  # the common case first: numbers and arrays only
        kind = type(a)
        if kind is float or kind is int or kind is np.ndarray and a.ndim == 0:
            numbers.append(p)
        elif kind is np.ndarray:
            arrays.append(p)
        else:
            break
    else:
        return frozenset(numbers), tuple((p, np.ndarray) for p in arrays)
    numbers = frozenset(p for p, a in zip(params, args)
                        if type(a) is float or type(a) is int or isinstance(a, np.generic)
                        or isinstance(a, np.ndarray) and a.ndim == 0)
    classes = tuple((p, k) for p, k in ((p, _kind(a)) for p, a in zip(params, args)
                                        if p not in numbers) if k is not None)
    return numbers, classes


# What `_signature` tells apart: argument types for which the checks and the
# specialization (`_check`, `_numbers`) depend only on the signature.
_PLAIN = frozenset({float, int, np.ndarray, np.float64, np.float32, np.float16})


def _signature(args) -> tuple:
    """The types of ``args``, arrays with their dtype and whether they are 0-d: two calls
    with one signature of `_PLAIN` arguments pass the same checks and run the same
    version of the derivative."""
    return tuple([(a.dtype, a.ndim == 0) if type(a) is np.ndarray else type(a)
                  for a in args])


def _kind(value):
    """np.ndarray for an array; the kind (`kinds`) of an object, a function, or a
    container of them; None for anything else."""
    if type(value) is np.ndarray:
        return np.ndarray
    return kinds.kind_of(value, _is_function, _is_object)


def _is_function(value) -> bool:
    """A function passed as an argument (transformed, or used through its rule)."""
    if isinstance(value, types.FunctionType):
        return True
    if not callable(value) or isinstance(value, (np.ndarray, type)):
        return False  # the common case: arrays and numbers, without loading the rules
    registry = rules.registry()
    return registry.lookup(value) is not None or registry.is_nondifferentiable(value)


def _arguments(func, params, args, kwargs):
    """The positional arguments (defaults filled in), the keyword ones, and the value of
    every parameter by name (``*args`` a tuple, ``**kwargs`` a dict)."""
    if not kwargs and len(args) == len(params):
        return args, {}, dict(zip(params, args))
    bound = inspect.signature(_target(func)).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.args, bound.kwargs, dict(bound.arguments)


def value_and_grad(func: Callable, wrt=0, *, optimize: bool = True) -> Callable:
    """A function returning ``(func(*args), gradient)``.

    >>> import numpy as np, s2sad
    >>> def f(x):
    ...     return np.sum(x * x)
    >>> value, gradient = s2sad.value_and_grad(f)(np.array([1.0, 2.0]))
    >>> float(value), gradient
    (5.0, array([2., 4.]))
    """
    names, single = _wrt_names(func, wrt)
    try:
        compiled = _compile(func, names, "value_and_grad", optimize)  # errors show up now
    except ObjectCallError:
        compiled = None  # f calls methods of its arguments: their classes come with the call
    params = _parameters(func)
    versions: dict = {}
    # The common call, every parameter given by position a float, an int or an array:
    # its version by the arguments' signature (`_signature`), checked once.
    fast: dict = {}
    positions = tuple(params.index(n) for n in names) if set(names) <= set(params) else None

    def value_and_grad_func(*args, **kwargs):
        if not kwargs and positions is not None:
            version = fast.get(_signature(args))
            if version is not None and (not version.callees or version.current()):
                if version.live:
                    version.refresh()
                value, grads = version.entry[0](*args)
                return value, _finished(grads, [args[p] for p in positions], single)
        called = args
        args, kwargs, named = _arguments(func, params, args, kwargs)
        for name in names:
            _check(func, name, named[name])
        numbers = _numbers(params, args) if len(named) == len(args) == len(params) \
            and not kwargs else _numbers(list(named), list(named.values()))
        version = versions.get(numbers)
        if version is None or version.callees and not version.current():
            version = versions[numbers] = _compile(func, names, "value_and_grad", optimize,
                                                   numbers)
            if value_and_grad_func.__s2sad__ is None:
                _publish(value_and_grad_func, version, 0)
            value_and_grad_func.__s2sad__ = version  # source() shows what runs
        if positions is not None and not kwargs and called is args \
                and all(type(a) in _PLAIN for a in args):
            fast[_signature(args)] = version
        if version.live:
            version.refresh()
        value, grads = version.entry[0](*args, **kwargs)
        return value, _finished(grads, [named[n] for n in names], single)

    _decorate(value_and_grad_func, func, None, "value_and_grad")
    return _publish(value_and_grad_func, compiled, 0)


def _finished(grads, likes: list, single: bool):
    """What the generated code returned (one gradient, or a tuple for several), each in
    the type of the input it is the gradient of (`finalize`): one, or a tuple."""
    if single:
        return finalize(grads, likes[0])
    if len(likes) == 1:
        grads = (grads,)
    return tuple([finalize(g, like) for g, like in zip(grads, likes)])


def _publish(wrapper, compiled, entry: int):
    """Attach the generated code behind ``wrapper`` (for `source` and for derivatives of
    derivatives); None until it exists."""
    wrapper.__s2sad__ = compiled
    wrapper.__s2sad_function__ = compiled.entry[entry] if compiled is not None else None
    wrapper.__s2sad_joint__ = (lambda: compiled.joint_entry(entry)) if compiled is not None \
        else None
    return wrapper


def grad(func: Callable, wrt=0, *, optimize: bool = True) -> Callable:
    """The gradient of ``func`` with respect to parameter(s) ``wrt``.

    ``wrt`` is an index, a parameter name, or a tuple of them (then the result is a
    tuple). A non-scalar or tuple output is seeded with ones: the gradient of the sum
    of all outputs.

    >>> import numpy as np, s2sad
    >>> def f(x):
    ...     return 2 * np.dot(x, x)
    >>> s2sad.grad(f)(np.arange(4.0))
    array([ 0.,  4.,  8., 12.])
    """
    both = value_and_grad(func, wrt, optimize=optimize)

    def grad_func(*args, **kwargs):
        result = both(*args, **kwargs)[1]
        if grad_func.__s2sad_function__ is None:
            _publish(grad_func, both.__s2sad__, 1)
        grad_func.__s2sad__ = both.__s2sad__
        return result

    _decorate(grad_func, func, None, "grad")
    return _publish(grad_func, both.__s2sad__, 1)


def vjp(func: Callable, *args, optimize: bool = True):
    """``(func(*args), pullback)``; ``pullback(cotangent)`` gives one cotangent per argument.

    Arguments that are not float (ints, booleans, strings) are constants; their
    cotangent is None. The pullback can be called any number of times.

    >>> import numpy as np, s2sad
    >>> def f(x, y):
    ...     return x * y
    >>> y, pullback = s2sad.vjp(f, 2.0, np.array([1.0, 3.0]))
    >>> pullback(np.ones(2))
    (4.0, array([2., 2.]))
    """
    params = _parameters(func)
    star = _star_parameter(func)
    if len(args) != len(params) and (star is None or len(args) < len(params)):
        raise TypeError(f"vjp({func.__qualname__}, ...) takes {len(params)} positional "
                        f"argument(s) {params}, got {len(args)}")
    # the arguments past the positional parameters are the tuple *star
    named = list(zip(params, args))
    rest = args[len(params):]
    if star is not None:
        named.append((star, rest))
    active = tuple(p for p, a in named
                   if _differentiable(a) or p == star and any(map(_differentiable, a)))
    if not active:
        raise TypeError(f"vjp of {func.__qualname__}: no argument is a float, so there "
                        "is nothing to differentiate")
    compiled = _compile(func, active, "vjp", optimize,
                        _numbers([p for p, _ in named], [a for _, a in named]))
    primal, adjoint = compiled.entry
    if compiled.live:
        compiled.refresh()
    stack = Tape()
    out = primal(stack, *args)

    def pullback(ct):
        _check_cotangent(func, out, ct)
        grads = iter(adjoint(Tape(stack), cotangent(ct)))
        found = [finalize(next(grads), a) if p in active else None for p, a in named]
        if star is not None:  # one cotangent per argument collected into *star
            parts = found.pop()
            if parts is None:
                found += [None] * len(rest)
            else:
                found += [g if _differentiable(a) else None for a, g in zip(rest, parts)]
        return tuple(found)

    pullback.__s2sad__ = compiled
    return out, pullback


def jvp(func: Callable, primals, tangents, *, optimize: bool = True):
    """Forward mode: ``(func(*primals), tangent of the output along tangents)``.

    ``tangents`` has one entry per primal; None marks a primal as a constant (non-float
    primals always are). The tangent has the structure, shape and dtype of the output.

    >>> import numpy as np, s2sad
    >>> def f(x, y):
    ...     return x * y
    >>> s2sad.jvp(f, (2.0, 3.0), (1.0, 0.0))
    (6.0, 3.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    params = _parameters(func)
    star = _star_parameter(func)
    if star is not None and len(primals) >= len(params) and len(tangents) == len(primals):
        params, primals, tangents, passed = _pack_star(params, star, primals, tangents)
    else:
        passed = primals
        if len(tangents) == len(primals) < len(params) \
                and _have_defaults(func, params[len(primals):]):
            params = params[:len(primals)]  # the others take their defaults, as in func(*primals)
    if len(primals) != len(params) or len(tangents) != len(primals):
        func = _target(func)
        raise TypeError(f"jvp({func.__qualname__}, primals, tangents) needs {len(params)} "
                        f"primal(s) {params} and as many tangents; got {len(primals)} and "
                        f"{len(tangents)}")
    active = tuple(p for p, a, t in zip(params, primals, tangents)
                   if _differentiable(a) and t is not None)
    if not active:
        raise TypeError(f"jvp of {func.__qualname__}: no float primal has a tangent, so "
                        "there is nothing to differentiate")
    for p, a, t in zip(params, primals, tangents):
        if p in active and not isinstance(a, (tuple, list, dict)) \
                and shape_of(t) != shape_of(a):
            raise ValueError(f"the tangent for {p!r} has shape {np.shape(t)}; the primal "
                             f"has shape {np.shape(a)}")
    compiled = _compile(func, active, "jvp", optimize, _numbers(params, primals))
    if compiled.live:
        compiled.refresh()
    chosen = [t for p, t in zip(params, tangents) if p in active]
    out, tangent = compiled.entry[0](*chosen, *passed)
    return out, finalize(tangent, out)


def _have_defaults(func, names) -> bool:
    """Whether every parameter of ``func`` in ``names`` has a default value."""
    sig = inspect.signature(_target(func)).parameters
    return all(sig[n].default is not inspect.Parameter.empty for n in names)


def _star_parameter(func) -> str | None:
    """The name of ``func``'s ``*args`` parameter, if it has one."""
    for p in inspect.signature(_target(func)).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return p.name
    return None


def _pack_star(params, star, primals, tangents):
    """The primals and tangents past the positional parameters as one tuple each, the
    value of ``*star`` (a None tangent among others is zero)."""
    n = len(params)
    rest, spare = primals[n:], tangents[n:]
    tangent = None if all(t is None for t in spare) else tuple(
        zeros_like(a) if t is None else t for a, t in zip(rest, spare))
    return (params + [star], primals[:n] + (rest,), tangents[:n] + (tangent,), primals)


def jacobian(func: Callable, wrt=0, *, mode: str = "reverse", optimize: bool = True):
    """The Jacobian of ``func``: ``J(*args)`` has shape ``out.shape + x.shape``.

    mode "reverse": one pullback per output element; "forward": one tangent per input
    element. ``wrt`` a tuple gives a tuple of Jacobians.

    >>> import numpy as np, s2sad
    >>> def f(x):
    ...     return x * x
    >>> s2sad.jacobian(f)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    names, single = _wrt_names(func, wrt)
    params = _parameters(func)
    positions = [params.index(n) for n in names]

    def jacobian_func(*args, **kwargs):
        if kwargs:
            raise TypeError("jacobian: pass keyword arguments through functools.partial")
        args, _, _ = _arguments(func, params, args, kwargs)
        args = tuple(args)
        for name, pos in zip(names, positions):
            _check(_target(func), name, args[pos])
        if mode == "forward":
            out = _target(func)(*args)
            blocks = [_forward_block(func, args, pos, out, optimize) for pos in positions]
        else:
            out, pullback = vjp(func, *args, optimize=optimize)
            blocks = _reverse_blocks(pullback, args, positions, out)
        return blocks[0] if single else tuple(blocks)

    return _decorate(jacobian_func, _target(func), None, "jacobian")


def _forward_block(func, args, pos, out, optimize):
    x = np.asarray(args[pos])
    columns = []
    for k in range(x.size):
        direction = np.zeros(x.size, dtype=x.dtype)
        direction[k] = 1
        tangents = [None] * len(args)  # the other arguments are constants here
        tangents[pos] = direction.reshape(x.shape) if x.ndim else x.dtype.type(1)
        if isinstance(args[pos], float):
            tangents[pos] = 1.0
        columns.append(np.asarray(jvp(func, args, tangents, optimize=optimize)[1]))
    _require_array(out, func)
    stacked = np.stack(columns, axis=-1) if columns else np.zeros(np.shape(out) + (0,))
    return stacked.reshape(np.shape(out) + x.shape)


def _reverse_blocks(pullback, args, positions, out):
    _require_array(out, pullback)
    shape = np.shape(out)
    rows = [[] for _ in positions]
    for k in range(int(np.prod(shape))):
        seed = np.zeros(int(np.prod(shape)), dtype=np.result_type(out))
        seed[k] = 1
        ct = seed.reshape(shape) if shape else seed.dtype.type(1)
        if isinstance(out, float):
            ct = 1.0
        grads = pullback(ct)
        for row, pos in zip(rows, positions):
            row.append(np.asarray(grads[pos]))
    return [np.stack(row).reshape(shape + np.shape(args[pos]))
            for row, pos in zip(rows, positions)]


def _require_array(out, func) -> None:
    if isinstance(out, (tuple, list)):
        raise TypeError(f"jacobian of {getattr(func, '__qualname__', func)}: the output is a "
                        "tuple; take the Jacobian of each part separately")


def hessian(func: Callable, wrt=0, *, optimize: bool = True):
    """The Hessian of a scalar ``func``, forward over reverse: shape ``x.shape + x.shape``.

    >>> import numpy as np, s2sad
    >>> def f(x):
    ...     return np.sum(x ** 3)
    >>> s2sad.hessian(f)(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    gradient = grad(func, wrt, optimize=optimize)
    if gradient.__s2sad_function__ is not None:
        return jacobian(gradient, wrt, mode="forward", optimize=optimize)
    made: list = []  # f calls methods of its arguments: the gradient's code comes with them

    def hessian_func(*args, **kwargs):
        if not made:
            gradient(*args, **kwargs)
            made.append(jacobian(gradient, wrt, mode="forward", optimize=optimize))
        return made[0](*args, **kwargs)

    return _decorate(hessian_func, _target(func), None, "hessian")


def hvp(func: Callable, wrt=0, *, optimize: bool = True):
    """``hv(*args, v)``: the Hessian of ``func`` times ``v``, forward over reverse, without
    ever forming the Hessian.

    >>> import numpy as np, s2sad
    >>> def f(x):
    ...     return np.sum(x ** 3)
    >>> s2sad.hvp(f)(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    array([ 6., 12.])
    """
    gradient = grad(func, wrt, optimize=optimize)
    names, single = _wrt_names(func, wrt)
    if not single:
        raise ValueError("hvp takes one parameter to differentiate (wrt an index or a name)")
    params = _parameters(func)
    pos = params.index(names[0])

    def hvp_func(*args):
        *primals, v = args
        if len(primals) != len(params):
            raise TypeError(f"hvp({_target(func).__qualname__}) takes the {len(params)} "
                            f"argument(s) {params} and then v")
        if gradient.__s2sad_function__ is None:  # its code depends on the argument kinds
            gradient(*primals)
        tangents = [None] * len(primals)  # the other arguments are constants here
        tangents[pos] = v
        return finalize(jvp(gradient, primals, tangents, optimize=optimize)[1], primals[pos])

    return _decorate(hvp_func, _target(func), None, "hvp")


def _check_cotangent(func, out, ct, where: str = "") -> None:
    """A cotangent has the structure and shapes of the output it belongs to."""
    def fail(what):
        raise ValueError(f"the cotangent{where} for {func.__qualname__} {what}")
    if isinstance(out, (tuple, list)):
        if not isinstance(ct, (tuple, list)) or len(ct) != len(out):
            fail(f"must be a tuple of {len(out)} cotangents, like the output; got "
                 f"{type(ct).__name__}" + (f" of {len(ct)}" if isinstance(ct, (tuple, list))
                                            else ""))
        for k, (o, c) in enumerate(zip(out, ct)):
            _check_cotangent(func, o, c, f"{where}[{k}]")
        return
    if np.shape(out) != np.shape(ct):
        fail(f"has shape {np.shape(ct)}; the output{where} has shape {np.shape(out)}")


def _decorate(wrapper, func, compiled, kind: str):
    wrapper.__name__ = f"{kind}_{func.__name__}"
    wrapper.__qualname__ = f"{kind}({func.__qualname__})"
    wrapper.__doc__ = f"The {kind} of {func.__qualname__}, generated by s2sad."
    wrapper.__wrapped_function__ = func
    wrapper.__s2sad__ = compiled
    return wrapper


def source(derivative: Callable) -> str:
    """The generated source of a derivative made by s2sad (grad, value_and_grad, vjp pullback).

    >>> import s2sad
    >>> def f(x):
    ...     return x * x
    >>> print(s2sad.source(s2sad.grad(f)))  # doctest: +ELLIPSIS
    \"\"\"s2sad ...
    """
    if not hasattr(derivative, "__s2sad__"):
        raise TypeError(f"{derivative!r} was not made by s2sad")
    compiled = derivative.__s2sad__
    if compiled is None:
        raise TypeError(f"{derivative.__qualname__} depends on the classes of its arguments: "
                        "call it once, then ask for its source")
    return compiled.derivative.source

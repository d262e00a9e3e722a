"""The whole transformation, one stage per line.

    parse -> normalize -> analyze -> reverse -> optimize -> emit -> load

`derive` takes a function and what to differentiate and returns a `Derivative`
(the generated source and what it needs to run); `load` turns that into
callables. Pass ``trace=[]`` to collect the source after each stage
(``s2sad show --stages``).
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field

import gast
import numpy as np

from . import syntax as S
from .analyze import (
    Classifier,
    activity,
    check_effects,
    check_rules,
    check_stores,
    object_kinds,
    pack_star_arguments,
    scalar_variables,
    stack_operations,
)
from .emit import module_source
from .errors import TransformError
from .mutation import augmented_names, check_mutations, guard
from .naming import Namer, identifier, temporaries
from .normalize import normalize
from .optimize import (
    accumulate_in_place,
    factor_gradients,
    inline_temporaries,
    propagate_copies,
    prune,
)
from .optimize import optimize as optimize_function
from .parse import MISSING, RUNTIME, parse_function
from .rules import registry
from .shapes import SCALAR, shape_classes
from .transform import functions
from .transform.checkpoint import checkpoint_marker
from .transform.forward import Forward, jvp_function
from .transform.module import ModuleBuilder
from .transform.reverse import Reverse, Sweeps, final_reads

VERSION = "0.1.0"


@dataclass
class Derivative:
    """A generated module: its source, the values it runs with and its entry points."""

    source: str
    namespace: dict
    entry: tuple[str, ...]
    live: list
    sources: list = field(default_factory=list)
    recipes: dict = field(default_factory=dict)
    callees: list = field(default_factory=list)
    scopes: list = field(default_factory=list)


def derive(func, wrt: tuple[str, ...], kind: str = "value_and_grad", *,
           scalars: frozenset = frozenset(), types: tuple = (), optimize: bool = True,
           trace: list | None = None, joint: bool = False) -> Derivative:
    """Generate the reverse-mode derivative of ``func`` with respect to parameters ``wrt``.

    kind "value_and_grad": one function ``(args) -> (value, grads)``;
    kind "vjp": a primal ``(stack, args) -> value`` and an adjoint ``(stack, ct) -> grads``;
    kind "jvp": forward mode, ``(tangents..., args) -> (value, tangent)``.
    ``scalars``: parameters known to be numbers of shape () (specializes broadcasting away);
    ``types``: ``(parameter, kind)`` pairs for parameters holding objects or functions (see
    `kinds`: a class with the kinds of its attributes), whose methods are then transformed;
    ``joint``: helpers get joint adjoints (the form a derivative of this derivative needs,
    see `functions.joint`) instead of primal/adjoint pairs sharing the caller's tape.
    """
    module = ModuleBuilder(registry(), joint=joint)
    module.scope_index(func)
    top = None
    if kind == "vjp":
        spec = module.specialize(func, tuple(wrt), frozenset(scalars), types=tuple(types))
        entry, top = (spec.primal, spec.adjoint), spec
    elif kind == "jvp":
        spec = module.specialize(func, tuple(wrt), frozenset(scalars), mode="forward",
                                 types=tuple(types))
        entry = (spec.primal,)
    else:
        base = identifier(func.__name__)
        entry = (module.reserve(f"{base}_value_and_grad"), module.reserve(f"{base}_grad"))
        made = reverse_function(module, func, wrt, (scalars, types), entry[:1], trace,
                                optimize)
        gradient = functions.gradient_only(entry[1], made[0], module.may_have_effects) \
            if optimize else functions.grad_only(entry[1], made[0])
        module.origins[gradient.name] = module.origins[made[0].name]
        module.functions += made + [gradient]
    while module.pending:
        spec = module.pending.pop(0)
        if spec.mode == "loop":
            module.functions += loop_functions(module, spec, trace, optimize)
        elif spec.mode == "forward":
            module.functions += forward_function(module, spec.func, spec.active,
                                                 (spec.scalars, spec.types),
                                                 spec.primal, trace, optimize)
        else:
            # vjp's own pair is split (its tape lives in the pullback)
            split = spec is top or not joint
            names = (spec.primal, spec.adjoint) if split else (spec.adjoint,)
            module.functions += reverse_function(module, spec.func, spec.active,
                                                 (spec.scalars, spec.types), names,
                                                 trace, optimize, top=spec is top)
    source = module_source(module.functions, module.origins,
                           f"{func.__qualname__} ({func.__code__.co_filename}:"
                           f"{func.__code__.co_firstlineno})", VERSION)
    if trace is not None:
        trace.append(("emit", source))
    return Derivative(source, module.namespace(), entry, module.live, module.sources,
                      module.recipes, module.callees, module.scopes)


@dataclass
class Front:
    """One user function through parse, normalize and analyze."""

    parsed: object
    core: gast.FunctionDef
    namer: object
    local_names: set
    classify: Classifier
    act: object
    numbers: set
    shapes: dict
    ret: gast.expr
    body: list


def front(module: ModuleBuilder, func, active, kinds, trace, direction: str,
          top_level: bool) -> Front:
    scalars, types = kinds
    parsed = parse_function(func)                                     # parse
    module.sources.append((func.__qualname__, parsed.source))
    _stage(trace, "parse", parsed.node)
    core, namer = normalize(parsed.node, parsed.filename,             # normalize
                            marker=checkpoint_marker(parsed.scope))
    core = bind_free_names(module, core, parsed, module.scope_index(func))
    kinds = object_kinds(core, dict(types), namer.fresh)
    _stage(trace, "normalize", core)
    local_names = (set(S.param_names(core))
                   | S.store_names(gast.Module(body=core.body, type_ignores=[])))
    classify = Classifier(parsed.scope, module.registry, local_names, stack_operations(core),
                          kinds)
    core.body = pack_star_arguments(core.body, classify, namer.fresh)
    missing = [p for p in active if p not in local_names]
    if missing:
        raise TransformError(f"{func.__qualname__} has no parameter {missing[0]!r}")
    check_stores(core, parsed.filename)
    guarded = check_mutations(core, augmented_names(parsed.node), parsed.filename, local_names,
                              helper=func is not module.scopes[0].func)
    if guarded:
        runtime = module.bind_free(RUNTIME, module.scope_index(func), avoid=local_names)
        core.body = guard(core.body, guarded, parsed.filename, runtime)
    act = activity(core, list(active), classify)                       # analyze
    check_rules(core, act, classify, parsed.filename, direction)
    check_effects(core, act, classify, parsed.filename)
    numbers = scalar_variables(core, set(scalars), classify)
    arrays = {p for p, cls in types if cls is np.ndarray}
    shapes = shape_classes(core, classify, numbers, arrays, callee_shapes(module))
    ret = core.body[-1].value
    if top_level and isinstance(ret, gast.Constant) and ret.value is None:
        raise TransformError(f"{func.__qualname__} returns None: there is nothing to "
                             "differentiate", filename=parsed.filename,
                             lineno=func.__code__.co_firstlineno,
                             hint="return the value whose gradient you want")
    return Front(parsed, core, namer, local_names, classify, act, numbers, shapes, ret,
                 core.body[:-1])


def callee_shapes(module: ModuleBuilder):
    """`shape_classes`'s ``callee``: the class of what a user function returns, from its
    own shape analysis with its parameters of the callers' classes (memoized per
    derivation; recursion, and a function s2sad refuses, give None: unknown)."""
    analyzing: set = set()

    def result(fn, classes: list):
        code = fn.__code__
        if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) \
                or code.co_kwonlyargcount or len(classes) != code.co_argcount:
            return None
        key = (code, tuple(classes))
        if key in module.results:
            return module.results[key]
        if code in analyzing:
            return None
        analyzing.add(code)
        try:
            found = _returned_class(fn, classes, module.registry, result)
        except (TransformError, OSError, TypeError):
            found = None  # its own transform reports what is wrong with it
        finally:
            analyzing.discard(code)
        module.results[key] = found
        return found

    return result


def _returned_class(fn, classes: list, registry_, callee):
    parsed = parse_function(fn)
    core, _ = normalize(parsed.node, parsed.filename, marker=checkpoint_marker(parsed.scope))
    params = S.param_names(core)
    local_names = set(params) | S.store_names(gast.Module(body=core.body, type_ignores=[]))
    classify = Classifier(parsed.scope, registry_, local_names, stack_operations(core))
    numbers = {p for p, c in zip(params, classes) if c == SCALAR}
    arrays = {p for p, c in zip(params, classes) if c is not None and c != SCALAR}
    table = shape_classes(core, classify, numbers, arrays, callee)
    ret = core.body[-1].value if isinstance(core.body[-1], gast.Return) else None
    found = table.get(ret.id) if isinstance(ret, gast.Name) else None
    if found == SCALAR:
        return SCALAR
    if found is not None and found.startswith("param:") and found[6:] in params:
        return classes[params.index(found[6:])]
    return None


def refuse_helper_adjoints(func) -> None:
    """A split helper adjoint receives its primal's saved values through the caller's tape,
    where a second derivative cannot tell which of them carry derivatives. The API
    differentiates the joint form of a derivative instead (``derive(..., joint=True)``);
    split code reaching a second transform some other way is refused, rather than wrong."""
    generated = str(getattr(func, "__module__", "")).startswith("s2sad.generated")
    if not generated:
        return
    if "checkpoint_loop" in func.__code__.co_names:
        raise TransformError(
            f"a second derivative through a checkpointed loop ({func.__name__}) is not "
            "supported", hint="differentiate twice a version of the function without "
                              "s2sad.checkpointed(...)")
    calls_pair = any(name.endswith("_primal") for name in func.__code__.co_names)
    if func.__name__.endswith("_primal") or calls_pair:
        raise TransformError(
            "a second derivative through a reverse-mode derivative that calls a helper "
            f"function ({func.__name__}) in split form is not supported",
            hint="differentiate the derivative s2sad.grad returned (it knows its joint form)")


def forward_function(module: ModuleBuilder, func, active, kinds, name, trace, optimize):
    """The tangent function of one user function: ``(tangents..., args...) -> (value, d)``."""
    refuse_helper_adjoints(func)
    f = front(module, func, active, kinds, trace, "tangent", not module.functions)
    fwd = Forward(module, f.parsed, f.core, f.namer, f.act, f.classify, f.numbers, f.shapes)
    made = [jvp_function(name, f.core, fwd, fwd.block(f.body), list(active), f.ret)]  # forward
    _stage(trace, "forward", made)
    if optimize:
        made = [factor_gradients(inline_temporaries(optimize_function(fn),
                                                    temporaries(fwd.namer)),
                                 set(fwd.namer.grads.values()))
                for fn in made]                                        # optimize
        _stage(trace, "optimize", made)
    for fn in made:
        module.origins[fn.name] = f.parsed.filename
    return made


def reverse_function(module: ModuleBuilder, func, active, kinds, names, trace, optimize,
                     top: bool = True):
    """The generated function(s) for one user function: fused (one name, ``top``), the
    joint adjoint of a helper (one name) or split (two)."""
    refuse_helper_adjoints(func)
    f = front(module, func, active, kinds, trace, "adjoint", top and len(names) == 1)
    return reverse_front(module, f, active, names, trace, optimize, top)


def reverse_front(module: ModuleBuilder, f: Front, active, names, trace, optimize,
                  top: bool = True):
    """`reverse_function` from the analyzed function on."""
    parsed, core, namer, local_names = f.parsed, f.core, f.namer, f.local_names
    classify, act, numbers, ret, body = f.classify, f.act, f.numbers, f.ret, f.body

    def sweep(needed, final=frozenset()):                              # reverse
        rev = Reverse(module, parsed, core, copy.deepcopy(namer), act, classify, needed,
                      numbers, f.shapes, final)
        seeded = {rev.namer.grad(ret.id)} if isinstance(ret, gast.Name) \
            and act.active(ret.id) else set()
        if top and len(names) == 1 and seeded and f.shapes.get(ret.id) == SCALAR:
            rev.ones = set(seeded)  # the seed of a number is 1
        record: list = []
        primal, adjoint, zs = rev.block(body, set(seeded), record)
        exposed = None
        if optimize:
            returned = {rev.namer.grad(p) for p in active}
            effects = {rev.pop} | {s.adjoint for s in module.specs.values() if s.adjoint}
            adjoint, live = prune(propagate_copies(adjoint, local_names), returned, effects)
            exposed = live & local_names
        reads = S.load_names(gast.Module(body=adjoint, type_ignores=[])) & local_names
        return rev, Sweeps(primal, adjoint, reads, rev.pushed, rev.uses_stack, exposed), zs, \
            record

    rev, sweeps, zs, record = sweep(set())
    rev, sweeps, zs, _ = sweep(sweeps.reads, final_reads(core, body, record,
                                                        set() if len(names) == 1 else set(active)))
    if len(names) == 1:
        form = functions.fused if top else functions.joint
        made = [form(names[0], core, rev, sweeps, zs, list(active), ret)]
    else:
        made = functions.split(names[0], names[1], core, rev, sweeps, zs, list(active), ret)
    _stage(trace, "reverse", made)
    if optimize:
        made = [in_place(factor_gradients(
                    inline_temporaries(optimize_function(fn), temporaries(rev.namer),
                                       frozenset({rev.stack, rev.push, rev.pop})),
                    set(rev.namer.grads.values())), module, rev.namer)
                for fn in made]                                        # optimize
        _stage(trace, "optimize", made)
    for fn in made:
        module.origins[fn.name] = parsed.filename
    return made


def in_place(fn: gast.FunctionDef, module: ModuleBuilder, namer) -> gast.FunctionDef:
    """Gradients that own their arrays accumulate in place (`accumulate_in_place`). Not
    with the in-place helpers (index_add, part_copy, zero_part_owned) in the joint form,
    which is differentiated again: they have no rules."""
    from . import runtime
    helpers = (runtime.zeros_like,) if module.joint else (
        runtime.zeros_like, runtime.unindex, runtime.part, runtime.zero_part)
    wanted = {id(f): f.__name__ for f in helpers}
    bound = {wanted[id(v)]: n for n, v in module.bindings.items() if id(v) in wanted}
    if "zeros_like" not in bound:
        return fn

    def bind(name: str) -> str:
        return module.bind(name, getattr(runtime, name), avoid=S.all_names(fn))

    return accumulate_in_place(fn, set(namer.grads.values()), bound, bind)


def loop_functions(module: ModuleBuilder, spec, trace, optimize):
    """The functions of one step of a checkpointed loop (`transform.checkpoint`): plain,
    and the primal/adjoint pair that the adjoint sweep runs one step at a time."""
    core = spec.core
    namer = Namer(S.all_names(core))
    namer.made |= spec.temporaries
    f = Front(spec.parsed, core, namer, spec.local_names, spec.classify, spec.act,
              spec.numbers, spec.shapes, core.body[-1].value, core.body[:-1])
    plain = spec.plain
    if optimize:
        plain = inline_temporaries(optimize_function(plain), spec.temporaries)
    module.origins[plain.name] = spec.parsed.filename
    return [plain] + reverse_front(module, f, spec.active, (spec.primal, spec.adjoint),
                                   trace, optimize)


def bind_free_names(module: ModuleBuilder, core, parsed, scope_index: int):
    """Bind the function's free names in the module, renaming where they clash."""
    local_names = (set(S.param_names(core))
                   | S.store_names(gast.Module(body=core.body, type_ignores=[])))
    used = S.load_names(core) - local_names
    renames = {}
    for ident in sorted(used):
        if parsed.scope.lookup(ident) is MISSING:
            continue  # a NameError at run time, as in the original
        bound = module.bind_free(ident, scope_index, avoid=local_names)
        if bound != ident:
            renames[ident] = bound
            parsed.scope.renamed[bound] = ident  # the analyses still resolve it
    return S.substitute(core, renames) if renames else core


def _stage(trace, name: str, nodes) -> None:
    if trace is not None:
        trace.append((name, S.unparse(nodes if isinstance(nodes, list) else [nodes])))

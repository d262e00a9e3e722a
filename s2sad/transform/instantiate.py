"""Turn one rule template into code for one call site.

Takes a `Template`, the call's result name, its argument atoms and a few
callbacks; returns the template's statements with parameters replaced by the
call's atoms, ``d[...]`` replaced by gradient names, template temporaries
renamed fresh and the template's own globals (``np``, ``unbroadcast``) bound
into the generated module. Contributions ``d[arg] = expr`` come back as
``(arg, expr)`` pairs for the transformer to accumulate.
"""

from __future__ import annotations

from dataclasses import dataclass

import gast

from .. import syntax as S
from ..errors import TransformError


@dataclass
class Instance:
    temps: list            # template temporaries, as statements, in order
    contributions: list    # (parameter name, expression)
    bound: dict            # parameter name -> atom node


def bind_arguments(template, result: str, args: list, keywords: dict, where) -> dict:
    """Parameter name -> atom, as Python would bind the call (defaults as constants)."""
    params = template.params[1:]
    bound = {template.params[0]: S.name(result)}
    extra = list(args[len(params):])
    for param, arg in zip(params, args):
        bound[param] = arg
    if extra and template.vararg is None:
        raise where(f"too many positional arguments for the rule at {template.origin}")
    if template.vararg is not None:
        bound[template.vararg] = S.tuple_(extra)
    for key, value in keywords.items():
        if key not in params and key not in template.kwonly:
            raise where(f"the rule at {template.origin} has no argument {key!r}",
                        "pass it positionally, or extend the template")
        if key in bound:
            raise where(f"argument {key!r} given twice")
        bound[key] = value
    for param in params + template.kwonly:
        if param not in bound:
            if param not in template.defaults:
                raise where(f"missing argument {param!r} for the rule at {template.origin}")
            bound[param] = S.const(template.defaults[param])
    return bound


class _Rewrite:
    """One template expression for one call site (see `instantiate`), as a `S.rebuild`
    callback: parameters, ``d[...]``, temporaries and the template's globals replaced."""

    def __init__(self, bound, grad_of, temps, bind) -> None:
        self.bound, self.grad_of, self.temps, self.bind = bound, grad_of, temps, bind

    def __call__(self, node):
        if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name) \
                and node.value.id == "d":
            return self.grad_of(self.bound[node.slice.id])
        if not isinstance(node, gast.Name):
            return None
        if node.id in self.bound:
            return S.substitute(self.bound[node.id], {})
        ident = self.temps[node.id] if node.id in self.temps else self.bind(node.id)
        return gast.Name(id=ident, ctx=node.ctx, annotation=None, type_comment=None)


def instantiate(template, bound: dict, wanted: set[str], grad_of, fresh, bind) -> Instance:
    """The code of ``template`` for the arguments ``bound``; only ``wanted`` contributions.

    grad_of(atom) -> the node standing for d[atom]; fresh(base) -> new name;
    bind(global) -> its name
    in the generated module.
    """
    temps: dict[str, str] = {}
    out_temps, contributions = [], []
    for stmt in template.body:
        if not isinstance(stmt, gast.Assign) or len(stmt.targets) != 1:
            raise TransformError(f"a template may only assign (at {template.origin})")
        target = stmt.targets[0]
        value = S.rebuild(stmt.value, _Rewrite(bound, grad_of, temps, bind))
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) \
                and target.value.id == "d":
            param = target.slice.id
            if param in wanted:
                contributions.append((param, value))
        else:
            temps[target.id] = fresh(target.id)
            out_temps.append(S.assign(temps[target.id], value))
    used = set().union(*(S.load_names(v) for _, v in contributions)) if contributions else set()
    kept = []
    for stmt in reversed(out_temps):  # drop temporaries no kept contribution reads
        if stmt.targets[0].id in used:
            kept.append(stmt)
            used |= S.load_names(stmt.value)
    return Instance(list(reversed(kept)), contributions, bound)

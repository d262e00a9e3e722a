"""Stage 2, normalize: a parsed function -> the same function in the core language.

Four steps, each its own module: `desugar` (reject the unsupported, spell out
sugar), `inline` (functions defined inside are put in place of their calls),
`controlflow` (return/break/continue become flags) and `anf` (one operation per
statement). The result is described in `anf`'s docstring.
"""

from __future__ import annotations

import gast

from .. import syntax as S
from ..naming import Namer
from .anf import to_anf
from .controlflow import eliminate_jumps
from .desugar import desugar
from .inline import lift


def normalize(node: gast.FunctionDef, filename: str, namer: Namer | None = None,
              marker=None):
    """The core-language form of ``node`` (a copy) and the `Namer` that made its names.
    ``marker(func)``: whether ``for i in func(...)`` is a checkpointed loop (see
    `desugar`)."""
    node = S.clone(node)
    namer = namer or Namer(S.all_names(node))
    node = desugar(node, namer, filename, marker)
    nested = lift(node, namer, filename,
                  lambda fn: eliminate_jumps(desugar(fn, namer, filename, marker), namer))
    node = eliminate_jumps(node, namer)
    node = to_anf(node, namer, filename, nested)
    return node, namer

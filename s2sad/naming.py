"""Deterministic names for generated code.

A `Namer` knows every name of the function being transformed and hands out
new ones that collide with none: numbered temporaries (``t1``, ``t2``, ...) and
gradient names that read like the user's (``dx`` for ``x``). Same input, same
names: no random ids, so the generated source is byte-for-byte reproducible.
"""

from __future__ import annotations


class Namer:
    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)
        self.counters: dict[str, int] = {}
        self.grads: dict[str, str] = {}
        self.made: set[str] = set()   # the names `fresh` handed out

    def reserve(self, names) -> None:
        self.taken.update(names)

    def fresh(self, base: str = "t") -> str:
        """A new numbered name: ``base1``, ``base2``, ..."""
        while True:
            n = self.counters.get(base, 0) + 1
            self.counters[base] = n
            candidate = f"{base}{n}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                self.made.add(candidate)
                return candidate

    def unique(self, base: str) -> str:
        """``base`` itself if it is free, else ``base_``, ``base__``, ..."""
        candidate = base
        while candidate in self.taken:
            candidate += "_"
        self.taken.add(candidate)
        return candidate

    def grad(self, var: str) -> str:
        """The name of the derivative of ``var`` (``dx`` for ``x``)."""
        if var not in self.grads:
            self.grads[var] = self.unique("d" + var)
        return self.grads[var]


def temporaries(namer: Namer) -> set[str]:
    """The names ``namer`` made up, and their gradients' names: nothing the user wrote."""
    return set(namer.made) | {namer.grads[v] for v in namer.made if v in namer.grads}


def identifier(name: str) -> str:
    """``name`` as a Python identifier: ``<lambda>`` -> ``lambda_``."""
    import keyword
    import re
    cleaned = re.sub(r"\W", "", name) or "f"
    return cleaned + "_" if keyword.iskeyword(cleaned) or cleaned[0].isdigit() else cleaned

"""What a derivative stores: every value its primal sweep pushes on the tape.

Like JAX's saved residuals. `saved_table` takes the generated source of a
derivative (what `s2sad.source` shows, freshly made or loaded from the cache) and
the name of its entry function, and returns a `SavedTable`: one `Saved` row per
place where the generated code pushes on the derivative's tape, and one per call
of a helper's primal (which pushes its own tape on the same stack). Each row
gives the user's statement it belongs to (from the ``# file:line: statement``
comments the emitter writes), whether it runs once or on every iteration of
which loops, and what kind of value it is. The table is computed from the code
that runs, so it stays true whatever the transformer decides to push.

`measure` runs the derivative on concrete arguments with a tape that counts,
filling in how many values each row pushed and how many bytes they hold.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field, replace

KINDS = {
    "overwritten": "value restored before overwrite",
    "store": "array part restored after a store",
    "branch": "branch decision",
    "iterations": "loop iterations",
    "trips": "loop trip count",
    "read": "value the adjoint reads",
    "helper": "helper's tape",
    "checkpoints": "checkpointed loop's snapshots",
    "recomputed": "helper's tape, rebuilt in the adjoint",
}

_COMMENT = re.compile(r"^\s*# (.+?):(\d+): ?(.*)$")


@dataclass(frozen=True)
class Saved:
    """One place where a derivative's primal sweep saves something on its tape."""

    function: str                  # the generated function that pushes
    value: str                     # what is pushed, as written in the generated code
    kind: str                      # a key of KINDS
    file: str | None               # the user's file (base name) and line it belongs to
    line: int | None
    text: str                      # the user's statement on that line
    loops: tuple = ()              # (file, line) of each enclosing loop, outermost first
    generated_line: int = 0        # its line in the generated module
    callee: str | None = None      # the helper's primal, for kind "helper"
    count: int | None = None       # measured: values pushed (calls, for a helper)
    bytes: int | None = None       # measured: bytes those values hold

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else "-"

    @property
    def how_often(self) -> str:
        if not self.loops:
            return "once"
        return "each iteration of " + " > ".join(f"{f}:{n}" for f, n in self.loops)


@dataclass
class SavedTable:
    """The rows of `Saved`, entry function first, then each helper primal it reaches."""

    entry: str
    rows: list = field(default_factory=list)
    split: bool = False            # the entry takes the tape as its first argument
    measured: bool = False
    peak: tuple | None = None      # measured: (values, bytes) on the tape at its fullest

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, k):
        return self.rows[k]

    def functions(self) -> list[str]:
        return list(dict.fromkeys(row.function for row in self.rows)) or [self.entry]

    def __str__(self) -> str:
        return render(self)


# -- the analysis -----------------------------------------------------------------------

def saved_table(source: str, entry: str) -> SavedTable:
    """The saves of the generated module ``source``, starting from function ``entry``."""
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    places = _locations(source)
    found = {name: _Walker(fn, places).run() for name, fn in functions.items()}
    recording = {name for name, (rows, _) in found.items() if rows}
    grown = True
    while grown:  # a helper records if it pushes or calls one that records
        more = {name for name, (_, calls) in found.items()
                if any(c.callee in recording for c in calls)}
        grown = not more <= recording
        recording |= more
    table = SavedTable(entry, split=_tape_names(functions[entry])[1]
                       if entry in functions else False)
    order, k = [entry], 0
    while k < len(order):
        rows, calls = found.get(order[k], ([], []))
        calls = [c for c in calls if c.callee in recording]
        table.rows += sorted(rows + calls, key=lambda r: r.generated_line)
        order += [c for c in dict.fromkeys(c.callee for c in calls) if c not in order]
        k += 1
    return table


def _locations(source: str) -> dict[int, tuple]:
    """Generated line -> (file, line, text) of the user's statement in effect there."""
    out, current = {}, (None, None, "")
    for number, text in enumerate(source.splitlines(), 1):
        if text.startswith("def "):
            current = (None, None, "")
        match = _COMMENT.match(text)
        if match:
            current = (match.group(1), int(match.group(2)), match.group(3).strip())
        out[number] = current
    return out


def _tape_names(fn: ast.FunctionDef) -> tuple[set, bool]:
    """The names the function's own tape goes by, and whether it is its first parameter.

    A split primal gets its tape as its first parameter; a fused derivative makes its
    own (the first ``Tape()`` of its body). Another ``Tape()`` further down belongs to
    a derivative this one differentiates, and is consumed within the sweep.
    """
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    for stmt in fn.body:
        if _bound_method(stmt, "append") == (params[:1] or [None])[0]:
            return {params[0]}, True
    for stmt in fn.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Name) \
                and re.fullmatch(r"Tape_*", stmt.value.func.id) \
                and isinstance(stmt.targets[0], ast.Name):
            return {stmt.targets[0].id}, False
    return set(), False


def _bound_method(stmt, method: str) -> str | None:
    """``tape`` for a statement ``name = tape.method``, else None."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Attribute) \
            and stmt.value.attr == method and isinstance(stmt.value.value, ast.Name):
        return stmt.value.value.id
    return None


def _assigns(stmt, name: str) -> bool:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
        [stmt.target] if isinstance(stmt, (ast.For, ast.AugAssign)) else []
    return any(isinstance(n, ast.Name) and n.id == name
               for t in targets for n in ast.walk(t))


class _Walker:
    """The push sites and recording calls of one generated function."""

    def __init__(self, fn: ast.FunctionDef, places: dict) -> None:
        self.fn, self.places = fn, places
        self.tapes, _ = _tape_names(fn)
        self.pushes = {s.targets[0].id for s in fn.body
                       if _bound_method(s, "append") in self.tapes
                       and isinstance(s.targets[0], ast.Name)}
        self.params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
        self.order = [s for s in ast.walk(fn) if isinstance(s, ast.stmt) and s is not fn]
        self.order.sort(key=lambda s: s.lineno)
        self.rows, self.calls = [], []

    def run(self) -> tuple[list, list]:
        if self.tapes:
            self.block(self.fn.body, ())
        return self.rows, self.calls

    def block(self, stmts: list, loops: tuple) -> None:
        for k, stmt in enumerate(stmts):
            pushed = self.pushed(stmt)
            if pushed is not None:
                self.rows.append(self.classify(pushed, stmts, k, loops))
            callee = self.helper_call(stmt)
            if callee is not None:  # a bare call: a checkpointed helper, taped in the adjoint
                kind = "recomputed" if isinstance(stmt, ast.Expr) else "helper"
                self.calls.append(self.row(stmt, stmt, kind, callee, loops, callee))
            elif (runner := self.push_passed(stmt)) is not None:
                self.rows.append(self.row(stmt, stmt, "checkpoints", runner, loops))
            if isinstance(stmt, (ast.For, ast.While)):
                place = self.places[stmt.lineno]
                self.block(stmt.body, loops + ((place[0], place[1]),))
            elif isinstance(stmt, ast.If):
                self.block(stmt.body, loops)
                self.block(stmt.orelse, loops)

    def pushed(self, stmt):
        """The pushed expression of ``push(value)`` / ``tape.append(value)``, else None."""
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return None
        call = stmt.value
        if isinstance(call.func, ast.Name) and call.func.id in self.pushes \
                or isinstance(call.func, ast.Attribute) and call.func.attr == "append" \
                and isinstance(call.func.value, ast.Name) and call.func.value.id in self.tapes:
            return call.args[0] if len(call.args) == 1 else None
        return None

    def helper_call(self, stmt) -> str | None:
        """The callee of ``f(tape, ...)``: a function of the module given this tape."""
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.Expr)) else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.args \
                and isinstance(value.args[0], ast.Name) and value.args[0].id in self.tapes:
            return value.func.id
        return None

    def push_passed(self, stmt) -> str | None:
        """The function a call hands the push to (a checkpointed loop's runner)."""
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.Expr)) else None
        if isinstance(value, ast.Call) and any(isinstance(a, ast.Name) and a.id in self.pushes
                                               for a in value.args):
            return ast.unparse(value.func)
        return None

    def classify(self, pushed, stmts: list, k: int, loops: tuple) -> Saved:
        stmt, text = stmts[k], ast.unparse(pushed)
        before = stmts[k - 1] if k else None
        if isinstance(pushed, ast.Call) and isinstance(pushed.func, ast.Name) \
                and re.fullmatch(r"saved_part_*", pushed.func.id) and len(pushed.args) == 2:
            value = f"{ast.unparse(pushed.args[0])}[{ast.unparse(pushed.args[1])}]"
            subject = stmts[k + 1] if k + 1 < len(stmts) else stmt
            return self.row(stmt, subject, "store", value, loops)
        if isinstance(before, ast.If) and ast.unparse(before.test) == text:
            return self.row(stmt, before, "branch", text, loops)
        if isinstance(before, ast.For) and (
                ast.unparse(before.iter) == text or isinstance(pushed, ast.Subscript)
                and ast.unparse(pushed.value) == ast.unparse(before.iter)):
            return self.row(stmt, before, "iterations", text, loops)
        if isinstance(before, ast.While) and isinstance(pushed, ast.Name):
            return self.row(stmt, before, "trips", text, loops)
        if isinstance(pushed, ast.Name):
            later = next((s for s in stmts[k + 1:] if _assigns(s, pushed.id)), None)
            if later is not None:
                return self.row(stmt, later, "overwritten", text, loops)
            return self.row(stmt, self.definition(pushed.id, stmt), "read", text, loops)
        return self.row(stmt, stmt, "read", text, loops)

    def definition(self, name: str, stmt):
        """The last statement before ``stmt`` that assigns ``name`` (None: a parameter)."""
        found = None
        for s in self.order:
            if s.lineno >= stmt.lineno:
                break
            if _assigns(s, name):
                found = s
        return found

    def row(self, stmt, subject, kind: str, value: str, loops: tuple, callee=None) -> Saved:
        file, line, text = self.places[subject.lineno] if subject is not None \
            else (None, None, "(a parameter)" if value in self.params else "")
        return Saved(self.fn.name, value, kind, file, line, text, loops, stmt.lineno, callee)


# -- measuring --------------------------------------------------------------------------

def payload_bytes(value) -> int:
    """The bytes a value on the tape holds: an array's buffer, 8 per Python number,
    the sum of a container's items; 0 for None; a range is three numbers; a checkpointed
    loop's record, its snapshots."""
    import numpy as np

    from .runtime_checkpoint import LoopRecord
    if isinstance(value, LoopRecord):
        return sum(payload_bytes(state) for state in value.saved.values())
    if isinstance(value, (np.ndarray, np.generic)):
        return int(value.nbytes)
    if value is None:
        return 0
    if isinstance(value, complex):
        return 16
    if isinstance(value, (bool, int, float)):
        return 8
    if isinstance(value, range):
        return 24
    if isinstance(value, (tuple, list)):
        return sum(payload_bytes(v) for v in value)
    if isinstance(value, dict):
        return sum(payload_bytes(v) for v in value.values())
    return sys.getsizeof(value)


def measure(table: SavedTable, source: str, namespace: dict, filename: str,
            args: tuple, kwargs: dict) -> SavedTable:
    """``table`` with counts and bytes, from one run of its entry on ``args``.

    The module is run again from ``source`` in a copy of ``namespace`` where the tape
    class counts what is appended, by the line of the generated code that appends it;
    a helper row gets the number of calls and everything pushed inside them, a
    checkpointed loop's row everything pushed inside it. The entry's own tape (the first
    made) also records how full it gets.
    """
    from .runtime import Tape
    direct, inclusive, calls, level = {}, {}, {}, {"live": (0, 0), "peak": (0, 0)}
    CountingTape = _counting_tape(filename, direct, inclusive, level)

    scope = {k: CountingTape if v is Tape else v for k, v in namespace.items()}
    scope["__name__"] = "s2sad.generated.saved"
    exec(compile(source, filename, "exec"), scope)  # noqa: S102 - s2sad's own generated code
    for callee in {r.callee for r in table if r.callee}:
        scope[callee] = _counted(scope[callee], calls)
    entry = scope[table.entry]
    if table.split:
        entry(CountingTape(), *args, **kwargs)
    else:
        entry(*args, **kwargs)
    rows = []
    for r in table:
        key = (r.function, r.generated_line)
        if r.callee:
            rows.append(replace(r, count=calls.get(key, 0),
                                bytes=inclusive.get(key, (0, 0))[1]))
        else:
            count, size = (inclusive if r.kind == "checkpoints" else direct).get(key, (0, 0))
            rows.append(replace(r, count=count, bytes=size))
    return replace(table, rows=rows, measured=True, peak=level["peak"])


def _counting_tape(filename: str, direct: dict, inclusive: dict, level: dict):
    """A `Tape` that counts pushes by the generated line making them (``direct``) and by
    the generated lines of the calls in progress (``inclusive``), and follows how full
    the first tape made gets (``level``)."""
    from .runtime import Tape
    first = []

    def add(table, key, size):
        count, total = table.get(key, (0, 0))
        table[key] = (count + 1, total + size)

    class CountingTape(Tape):
        __slots__ = ()

        def __init__(self, items=()) -> None:
            super().__init__(items)
            first.append(first[0] if first else self)

        def append(self, value, _getframe=sys._getframe) -> None:
            size = payload_bytes(value)
            frame = _getframe(1)
            add(direct, (frame.f_code.co_name, frame.f_lineno), size)
            frame = frame.f_back
            while frame is not None:
                if frame.f_code.co_filename == filename:
                    add(inclusive, (frame.f_code.co_name, frame.f_lineno), size)
                frame = frame.f_back
            list.append(self, value)
            self.level(1, size)

        def pop(self, *index):
            value = list.pop(self, *index)
            self.level(-1, -payload_bytes(value))
            return value

        def level(self, count: int, size: int) -> None:
            if self is first[0]:
                live = level["live"] = (level["live"][0] + count, level["live"][1] + size)
                if live[1] > level["peak"][1] or live[0] > level["peak"][0]:
                    level["peak"] = max(live, level["peak"], key=lambda v: (v[1], v[0]))

    return CountingTape


def _counted(func, calls: dict):
    def counted(*args, **kwargs):
        frame = sys._getframe(1)
        key = (frame.f_code.co_name, frame.f_lineno)
        calls[key] = calls.get(key, 0) + 1
        return func(*args, **kwargs)
    return counted


# -- the listing ------------------------------------------------------------------------

def render(table: SavedTable) -> str:
    """The table as text, one block per generated function."""
    lines = []
    for function in table.functions():
        rows = [r for r in table if r.function == function]
        role = "the derivative" if function == table.entry else \
            "a helper's primal, on each call; its saves go on the caller's tape"
        counted = f"{len(rows)} save" + "s" * (len(rows) != 1)
        lines.append(f"{function} ({role}): " + (counted if rows else "saves nothing"))
        cells = [[r.where, _short(r.text, 34), _short(r.value, 24), KINDS[r.kind],
                  r.how_often]
                 + ([f"{r.count}", _size(r.bytes)] if table.measured else []) for r in rows]
        header = ["where", "statement", "saved", "kind", "how often"] + (
            ["count", "bytes"] if table.measured else [])
        lines += _columns([header] + cells) if rows else []
        lines.append("")
    if table.measured:
        count, size = table.peak
        lines.append(f"most on the tape at once: {count} value" + "s" * (count != 1)
                     + f", {_size(size)}")
    return "\n".join(lines).rstrip("\n") + "\n"


def _columns(cells: list) -> list[str]:
    widths = [max(len(row[k]) for row in cells) for k in range(len(cells[0]))]
    numeric = {len(widths) - 2, len(widths) - 1} if len(widths) > 5 else set()
    return ["  " + "  ".join(c.rjust(w) if k in numeric else c.ljust(w)
                             for k, (c, w) in enumerate(zip(row, widths))).rstrip()
            for row in cells]


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def _size(n: int) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= 10 * scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


# -- the public function ----------------------------------------------------------------

def saved(derivative, *args, **kwargs) -> SavedTable:
    """What a derivative made by s2sad stores on its tape, like JAX's saved residuals.

    One row per place where the primal sweep saves a value: the user's line, what is
    saved, its kind (a value restored before it is overwritten, a branch decision, a
    loop's iterations or trip count, a helper's tape) and whether it is saved once or
    on every iteration of a loop. Given the derivative's arguments, it also runs the
    derivative once and counts the values each row pushed and the bytes they hold.
    ``print`` the result for a table.

    >>> import numpy as np, s2sad
    >>> def f(x):
    ...     for i in range(3):
    ...         x = np.sin(x)
    ...     return x
    >>> table = s2sad.saved(s2sad.grad(f), 0.5)
    >>> [(row.text, row.how_often.split()[0], row.count) for row in table
    ...  if row.kind == "overwritten"]
    [('x = np.sin(x)', 'each', 3)]
    """
    if not hasattr(derivative, "__s2sad__"):
        raise TypeError(f"{derivative!r} was not made by s2sad")
    if (args or kwargs) and hasattr(derivative, "__wrapped_function__"):
        derivative(*args, **kwargs)  # picks the version specialized to these arguments
    compiled = derivative.__s2sad__
    if compiled is None:
        raise TypeError(f"{derivative.__qualname__} depends on the classes of its arguments: "
                        "call it once (or pass its arguments), then ask what it saves")
    source, entry = compiled.derivative.source, compiled.derivative.entry[0]
    table = saved_table(source, entry)
    if not (args or kwargs):
        return table
    if compiled.live:
        compiled.refresh()
    namespace = {k: compiled.scope[k] for k in compiled.derivative.namespace}
    filename = compiled.entry[0].__code__.co_filename
    return measure(table, source, namespace, filename, args, kwargs)

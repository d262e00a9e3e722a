"""The error family of s2sad.

Every problem found while transforming a function is a `TransformError` that
carries the user's file, line, column and source line, plus a hint saying what
to do instead. Unsupported constructs live in one table, `UNSUPPORTED`.
"""

from __future__ import annotations

import linecache


class TransformError(Exception):
    """A function could not be differentiated.

    Attributes: ``filename``, ``lineno``, ``col`` (1-based), ``source_line``
    and ``hint``; ``str(err)`` shows them all.
    """

    def __init__(self, message: str, *, filename: str = "<unknown>", lineno: int = 0,
                 col: int = 0, hint: str = "") -> None:
        self.message = message
        self.filename = filename
        self.lineno = lineno
        self.col = col
        self.hint = hint
        self.source_line = linecache.getline(filename, lineno).rstrip() if lineno else ""
        if lineno and col <= 0 and self.source_line:
            self.col = len(self.source_line) - len(self.source_line.lstrip()) + 1
        super().__init__(self._format())

    def __str__(self) -> str:  # OSError and others have their own; ours names the place
        return self._format()

    def _format(self) -> str:
        where = f"{self.filename}:{self.lineno}:{self.col}: " if self.lineno else ""
        text = f"{where}{self.message}"
        if self.source_line:
            text += f"\n    {self.source_line.strip()}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def one_line(self) -> str:
        """The error as a single line, for the command line."""
        where = f"{self.filename}:{self.lineno}:{self.col}: " if self.lineno else ""
        return f"{where}{self.message}"


class UnsupportedConstructError(TransformError, NotImplementedError):
    """The function uses Python that s2sad cannot differentiate (yet)."""


class MissingRuleError(TransformError, NotImplementedError):
    """A differentiable value flows through a function that has no derivative rule."""


class ObjectCallError(MissingRuleError):
    """A call through an object whose class is not known (yet): ``model(x)`` where
    ``model`` is a parameter. s2sad learns the class when the derivative is called."""


class NoSourceError(TransformError, OSError):
    """The function's source code is not available (REPL, C builtin, exec)."""


# construct -> (what it is, what to do instead)
UNSUPPORTED = {
    "Try": ("try/except", "move the try/except outside the differentiated function"),
    "With": ("a with-statement", "move the with-block outside the differentiated function"),
    "AsyncWith": ("async with", "differentiate a synchronous function"),
    "AsyncFor": ("async for", "differentiate a synchronous function"),
    "Await": ("await", "differentiate a synchronous function"),
    "Yield": ("yield (a generator)", "return a value or a tuple instead of yielding"),
    "YieldFrom": ("yield from (a generator)", "return a value or a tuple instead of yielding"),
    "Global": ("a global statement", "pass the value in as an argument and return the new value"),
    "Nonlocal": ("a nonlocal statement", "pass the value in as an argument and return the new value"),
    "Raise": ("raise", "check inputs before calling the differentiated function"),
    "Assert": ("assert", "check inputs before calling the differentiated function"),
    "Delete": ("del", "let the variable go out of scope instead"),
    "Lambda": ("a lambda outside `name = lambda ...`",
               "assign the lambda to a name first, or define a function and call it"),
    "FunctionDef": ("a function definition inside a block",
                    "define it at the top level of the function, or at module level"),
    "AsyncFunctionDef": ("a nested async function", "define the function at module level"),
    "ClassDef": ("a class definition inside the function", "define the class at module level"),
    "Import": ("an import inside the function", "import at module level"),
    "ImportFrom": ("an import inside the function", "import at module level"),
    "ListComp": ("a list comprehension", "write the loop out and append to a list"),
    "SetComp": ("a set comprehension", "write the loop out"),
    "DictComp": ("a dict comprehension", "write the loop out"),
    "GeneratorExp": ("a generator expression", "write the loop out"),
    "Starred": ("star-unpacking", "unpack into a fixed number of names"),
    "NamedExpr": ("an assignment expression (:=)", "assign on its own line first"),
    "Match": ("a match statement", "use if/elif/else"),
    "JoinedStr": ("an f-string", "build strings outside the differentiated function"),
    "Set": ("a set literal", "use a tuple or a list"),
    "AnnAssign": ("an annotated assignment", "drop the annotation"),
    "TryStar": ("try/except*", "move the try outside the differentiated function"),
}


def unsupported(node, filename: str) -> UnsupportedConstructError:
    """The error for an AST node whose type is in `UNSUPPORTED`."""
    what, hint = UNSUPPORTED[type(node).__name__]
    return UnsupportedConstructError(
        f"{what} is not supported in a differentiated function",
        filename=filename, lineno=getattr(node, "lineno", 0),
        col=getattr(node, "col_offset", -1) + 1, hint=hint)


def at(node, filename: str, message: str, hint: str = "",
       cls: type[TransformError] = TransformError) -> TransformError:
    """A `TransformError` located at ``node``."""
    return cls(message, filename=filename, lineno=getattr(node, "lineno", 0),
               col=getattr(node, "col_offset", -1) + 1, hint=hint)

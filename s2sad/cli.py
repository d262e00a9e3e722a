"""The ``s2sad`` command: show derivative source, inspect and clear the cache."""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import sys
import traceback
from pathlib import Path

EXAMPLES = """\
examples:
  s2sad show model.py                 derivatives of every function in model.py
  s2sad show model.py loss --wrt 0,1  the gradient of loss with respect to its first two
  s2sad show model.py loss --wrt W,b  ... or by parameter name
  s2sad show model.py loss --stages   the source after each stage of the transformer
  s2sad show --saved model.py:loss    what the derivative of loss stores on its tape
  s2sad show --saved model.py:loss --args "np.ones(16), 3"
                                      ... and how much, for these arguments
  s2sad cache info                    where the cache is, how many entries, how big
  s2sad cache clear                   delete every cached derivative
"""


class CommandError(Exception):
    """A failure reported as one line, exit status 1."""


def parse_wrt(text: str | None):
    if text is None:
        return 0
    items = [item.strip() for item in text.split(",") if item.strip()]
    values = tuple(int(item) if item.lstrip("-").isdigit() else item for item in items)
    return values[0] if len(values) == 1 else values


def import_file(path: str):
    file = Path(path).resolve()
    if not file.is_file():
        raise CommandError(f"{path}: no such file")
    name = file.stem if file.stem.isidentifier() else "s2sad_show_target"
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(file.parent))
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise CommandError(f"{path}: importing it failed: {type(exc).__name__}: {exc}") from exc
    return module


def split_target(file: str, function: str | None) -> tuple[str, str | None]:
    """``model.py:loss`` -> ("model.py", "loss"), unless a file has that whole name."""
    if function is None and ":" in file and not Path(file).is_file():
        file, _, function = file.rpartition(":")
    return file, function or None


def call_arguments(module, text: str | None) -> tuple:
    """The arguments of ``--args``: a Python expression list, evaluated in the module
    (the user's own command line, like the file ``show`` already imports and runs)."""
    if text is None:
        return ()
    try:
        return eval(f"({text.strip().rstrip(',')},)", vars(module))
    except Exception as exc:
        raise CommandError(f"--args {text!r}: {type(exc).__name__}: {exc}") from exc


def functions_of(module, name: str | None) -> list:
    if name is not None:
        func = getattr(module, name, None)
        if not inspect.isfunction(func):
            raise CommandError(f"{module.__file__}: no function named {name!r}")
        return [func]
    found = [f for f in vars(module).values()
             if inspect.isfunction(f) and f.__module__ == module.__name__]
    return sorted(found, key=lambda f: f.__code__.co_firstlineno)


def highlight(text: str, color: str) -> str:
    wanted = color == "always" or (color == "auto" and sys.stdout.isatty()
                                   and "NO_COLOR" not in os.environ)
    if not wanted:
        return text
    try:
        from pygments import highlight as render
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return text
    return render(text, PythonLexer(), TerminalFormatter())


def show(args) -> int:
    import s2sad
    from s2sad import pipeline
    from s2sad.api import _compile, _wrt_names
    kind = "jvp" if args.mode == "forward" else "value_and_grad"
    file, function = split_target(args.file, args.function)
    if args.saved and (args.stages or args.mode == "forward"):
        raise CommandError("--saved lists what a reverse-mode derivative stores; it does "
                           "not combine with --stages or --mode forward")
    if args.args is not None and not args.saved:
        raise CommandError("--args goes with --saved")
    module = import_file(file)
    arguments = call_arguments(module, args.args)
    failures = 0
    for func in functions_of(module, function):
        try:
            if args.saved:
                text = saved_listing(s2sad, func, args, arguments)
            elif args.stages:
                names, _ = _wrt_names(func, parse_wrt(args.wrt))
                trace: list = []
                pipeline.derive(func, names, kind, optimize=not args.no_optimize, trace=trace)
                text = "".join(f"# ==== {stage} ====\n{source.rstrip()}\n\n"
                               for stage, source in trace)
            elif args.mode == "forward":
                names, _ = _wrt_names(func, parse_wrt(args.wrt))
                text = _compile(func, names, kind, not args.no_optimize).derivative.source
            else:
                df = s2sad.grad(func, wrt=parse_wrt(args.wrt), optimize=not args.no_optimize)
                text = s2sad.source(df)
            print(highlight(text, args.color), end="" if text.endswith("\n") else "\n")
        except (s2sad.TransformError, TypeError, ValueError) as exc:
            if args.debug:
                traceback.print_exc()
            failures += 1
            line = exc.one_line() if isinstance(exc, s2sad.TransformError) else str(exc)
            print(f"# {func.__qualname__}: error: {line}")
    return 1 if failures else 0


def saved_listing(s2sad, func, args, arguments: tuple) -> str:
    """What the derivative of ``func`` stores (counted on ``arguments``, if any)."""
    df = s2sad.grad(func, wrt=parse_wrt(args.wrt), optimize=not args.no_optimize)
    if not arguments:
        return str(s2sad.saved(df)) + "\n"
    try:
        return str(s2sad.saved(df, *arguments)) + "\n"
    except s2sad.TransformError:
        raise
    except Exception as exc:  # the user's code, run on the user's arguments
        if args.debug:
            traceback.print_exc()
        raise ValueError(f"running the derivative on --args failed: "
                         f"{type(exc).__name__}: {exc}") from exc


def cache_command(args) -> int:
    from s2sad import cache
    path = cache.directory()
    if path is None:
        raise CommandError("the cache directory cannot be used (see the warning above)")
    if args.action == "clear":
        print(f"removed {cache.clear(path)} entries from {path}")
        return 0
    files = cache.entries(path)
    size = sum(f.stat().st_size for f in files)
    code = sorted((path / cache.CODE_DIR).glob("*.code"))
    print(f"location: {path}\nentries:  {len(files)}\nbytes:    {size}\n"
          f"compiled: {len(code)} files, {sum(f.stat().st_size for f in code)} bytes "
          f"(in {cache.CODE_DIR}/)")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="s2sad", description="Source-to-source automatic differentiation for Python "
        "and NumPy.", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    commands = top.add_subparsers(dest="command", required=True)
    sh = commands.add_parser("show", help="print the derivative source of functions in a file",
                             epilog=EXAMPLES,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    sh.add_argument("file", help="a Python file (FILE.py, or FILE.py:FUNCTION); it is "
                                 "imported as a module")
    sh.add_argument("function", nargs="?", help="one function (default: every top-level one)")
    sh.add_argument("--wrt", help="parameters to differentiate: indices or names, comma "
                                  "separated (default: 0)")
    sh.add_argument("--mode", choices=["reverse", "forward"], default="reverse")
    sh.add_argument("--no-optimize", action="store_true", help="skip the optimize stage")
    sh.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    sh.add_argument("--stages", action="store_true",
                    help="print the source after each pipeline stage")
    sh.add_argument("--saved", action="store_true",
                    help="list what the derivative stores on its tape, where and how often")
    sh.add_argument("--args", help="with --saved: arguments to run the derivative on (a "
                                   "Python expression list, evaluated in the file's module), "
                                   "to count the values stored and their bytes")
    sh.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                    help="show full tracebacks on errors")
    ca = commands.add_parser("cache", help="inspect or clear the derivative cache")
    ca.add_argument("action", choices=["info", "clear"])
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return show(args) if args.command == "show" else cache_command(args)
    except CommandError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"s2sad: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

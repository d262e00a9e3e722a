"""Stage 6, emit: generated function nodes -> the source text of one module.

Takes the functions of a `ModuleBuilder` and returns Python source: a header
naming what was differentiated, then each function, with a comment carrying
the user's file, line and statement wherever the original line changes, so a
reader always knows which line of theirs a block of derivative code comes from.
"""

from __future__ import annotations

import linecache
import os

import gast

from . import syntax as S

INDENT = "    "


class Emitter:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.short = os.path.basename(filename)
        self.lines: list[str] = []
        self.last_line: int | None = None

    def comment(self, node, indent: str) -> None:
        line = S.line(node)
        if line is None or line == self.last_line:
            return
        self.last_line = line
        text = linecache.getline(self.filename, line).strip()
        self.lines.append(f"{indent}# {self.short}:{line}: {text}")

    def block(self, stmts: list, indent: str) -> None:
        for stmt in stmts:
            self.statement(stmt, indent)

    def statement(self, node, indent: str) -> None:
        if isinstance(node, gast.FunctionDef):
            header = S.unparse(S.function(node.name, [], [gast.Pass()])).splitlines()[0]
            args = S.unparse(gast.Lambda(args=node.args, body=S.const(None)))
            args = args[len("lambda"):].rsplit(":", 1)[0].strip()
            self.lines.append(f"{indent}{header.split('(')[0]}({args}):")
            self.last_line = None
            self.block(node.body, indent + INDENT)
            return
        self.comment(node, indent)
        if isinstance(node, gast.If):
            self.lines.append(f"{indent}if {S.unparse(node.test)}:")
            self.block(node.body, indent + INDENT)
            if node.orelse:
                self.lines.append(f"{indent}else:")
                self.block(node.orelse, indent + INDENT)
        elif isinstance(node, gast.For):
            self.lines.append(f"{indent}for {S.unparse(node.target)} in {S.unparse(node.iter)}:")
            self.block(node.body, indent + INDENT)
        elif isinstance(node, gast.While):
            self.lines.append(f"{indent}while {S.unparse(node.test)}:")
            self.block(node.body, indent + INDENT)
        else:
            for text in S.unparse(node).splitlines():
                self.lines.append(indent + text)


def module_source(functions: list, origins: dict, title: str, version: str) -> str:
    """The generated module's text. ``origins`` maps each function name to its user file."""
    out = [f'"""s2sad {version}: the derivative of {title}.',
           "",
           'Generated code: edit the original function, not this file."""']
    for fn in functions:
        emitter = Emitter(origins.get(fn.name, ""))
        emitter.statement(fn, "")
        out += ["", ""] + emitter.lines
    return "\n".join(out) + "\n"

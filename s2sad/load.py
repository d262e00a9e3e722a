"""Stage 7, load: generated source -> live functions.

Compiles the module under a file name registered with `linecache`, so
tracebacks, `inspect.getsource` and `pdb` show the generated code, and runs it
in a namespace holding exactly the values it was generated against.
"""

from __future__ import annotations

import hashlib
import linecache


def load(source: str, namespace: dict, title: str) -> dict:
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    filename = f"<s2sad {title} {digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec")
    scope = dict(namespace)
    scope["__name__"] = f"s2sad.generated.{title}"
    exec(code, scope)
    return scope

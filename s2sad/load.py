"""Stage 7, load: generated source -> live functions.

Compiles the module under its cache file's name (keeping the compiled code in the
cache too) or, without a cache, under a name registered with `linecache`, so tracebacks, `inspect.getsource` and `pdb` show
the generated code, and runs it in a namespace holding exactly the values it was
generated against.
"""

from __future__ import annotations

import hashlib
import linecache

from .cache import compiled


def load(source: str, namespace: dict, title: str, path=None) -> dict:
    """Run the generated module; ``path`` is its cache file, if it has one."""
    if path is not None:  # compiled once, then kept beside the entry (see cache.compiled)
        code = compiled(source, str(path), path.stem)
    else:  # memory only: linecache serves the source under a name that is no file
        digest = hashlib.sha256(source.encode()).hexdigest()[:12]
        filename = f"<s2sad {title} {digest}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        code = compile(source, filename, "exec")
    scope = dict(namespace)
    scope["__name__"] = f"s2sad.generated.{title}"
    exec(code, scope)  # noqa: S102 - running generated code is what loading means
    return scope

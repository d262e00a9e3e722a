"""Benchmark suite (issue 7): s2sad against hand-written NumPy gradients and its peers.

Run: ``python3 benchmarks/bench_suite.py [--repeat N] [--quick]``.

Workloads:

- W1 the seed function of a scalar (doubling ``while`` loop, then a branch);
- W2 an MLP loss, batch 128, 784 -> 256 -> 10, tanh, softmax cross-entropy;
- W3 a vanilla tanh RNN, 100 steps, hidden 64, input 32, batch 16;
- W4 a damped driven oscillator, 2000 explicit Euler steps on Python floats;
- W5 ``np.sum(np.tanh(x) * np.exp(-x ** 2))`` for 10^6 float64;
- W6 a 16-vector updated 10,000 times by ``x = np.sin(x) * 0.9 + 0.1 * x``.

Every gradient (s2sad, autograd, and JAX and PyTorch on the CPU when they are
importable) is first checked against the hand-written NumPy gradient. Then each
workload's functions are timed interleaved, round by round, in this run, so that load
on the machine hits all of them alike; the table gives the median time per call and
its ratio to the forward function, to the hand-written gradient, and s2sad's time
over each peer's (below 1: s2sad is faster). A round calls every function once (one
faster than a millisecond: a batch of calls in a row, the batch's time divided); each
function is timed ``--repeat`` times, fewer (not under 5) when that would take more
than its share of about 15 seconds per workload (a slow peer then sits out the later
rounds). Then: jvp along one direction for W2 and W4 against a hand-written
directional derivative; the peak extra memory of the W6 gradient call (tracemalloc,
which sees NumPy's allocations but not PyTorch's or JAX's); and the time to obtain
each derivative in a fresh process: on first use (an empty ``S2SAD_CACHE_DIR``: the
rule templates are compiled too, once per cache), cold (a cache that has the
templates but not f) and warm (a later process on that cache): ``s2sad.grad(f)`` plus what the first call
costs beyond a later one (the first call specializes the derivative to the kinds of
its arguments; the function itself has run once before, so NumPy's first-call costs
are not counted).

``--quick`` shrinks the sizes and the repeats (a smoke test, well under a minute).
On a busy machine a multithreaded BLAS turns every matrix product into noise (a
thread that waits for a descheduled one); pin it for steadier numbers:
``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 benchmarks/bench_suite.py``.

Targets (issue 7): s2sad's gradient at most 1.15x the hand-written one on W2, W3, W5
and W6, at most 1.3x on W1 and W4; jvp at most 1.3x the hand-written directional
derivative on W2 and W4; faster than autograd and PyTorch eager on every workload;
obtaining a derivative under 150 ms cold and under 5 ms warm.

``--only W1,W5`` runs some workloads; ``--no-obtain`` skips the fresh-process timings.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported from a child process or a test
    sys.path.insert(0, str(HERE))

from bench_reverse import mlp_grad_by_hand, mlp_loss

import s2sad

# Targets: s2sad gradient / hand-written gradient.
HAND_TARGETS = {"W1": 1.3, "W2": 1.15, "W3": 1.15, "W4": 1.3, "W5": 1.15, "W6": 1.15}
COLD_TARGET, WARM_TARGET = 0.150, 0.005
BATCH_SECONDS, MAX_BATCH = 1e-3, 100  # see interleaved_times
JVP_TARGET = 1.3  # s2sad.jvp / hand-written directional derivative, W2 and W4


# -- W1: the seed chapter's function of a scalar --------------------------------------
def seed(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def seed_grad_by_hand(a):
    b = a * 2
    db = 2.0
    while np.linalg.norm(b) < 1000:
        b = b * 2
        db = db * 2
    if b.sum() > 0:
        dc = db
    else:
        dc = 100 * db
    return np.full_like(a, dc)


# -- W2: the MLP loss, mlp_loss / mlp_grad_by_hand from bench_reverse -------------------
def mlp_jvp_by_hand(W1, b1, W2, b2, x, onehot, tW1, tb1, tW2, tb2):
    """mlp_loss and its derivative along (tW1, tb1, tW2, tb2)."""
    h = np.tanh(x @ W1 + b1)
    th = (1.0 - h * h) * (x @ tW1 + tb1)
    logits = h @ W2 + b2
    tlogits = th @ W2 + h @ tW2 + tb2
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    logp = z - np.log(s)
    tlogp = tlogits - np.sum(e * tlogits, axis=1, keepdims=True) / s
    return -np.sum(logp * onehot) / x.shape[0], -np.sum(tlogp * onehot) / x.shape[0]


# -- W3: a vanilla tanh RNN --------------------------------------------------------
def rnn_loss(Wx, Wh, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh)
    return np.sum(h * h)


def rnn_grad_by_hand(Wx, Wh, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    hs = [h]
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh)
        hs.append(h)
    dh = 2.0 * h
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    for t in range(xs.shape[0] - 1, -1, -1):
        da = dh * (1.0 - hs[t + 1] * hs[t + 1])
        dWx += xs[t].T @ da
        dWh += hs[t].T @ da
        dh = da @ Wh.T
    return dWx, dWh


# -- W4: a damped driven oscillator, explicit Euler on Python floats -----------------------
def oscillator(c, amp, k, w, dt, n):
    x = 1.0
    v = 0.0
    for i in range(n):
        t = i * dt
        v = v + dt * (-k * x - c * v + amp * math.sin(w * t))
        x = x + dt * v
    return x * x


def oscillator_grad_by_hand(c, amp, k, w, dt, n):
    x = 1.0
    v = 0.0
    vs = []
    sines = []
    for i in range(n):
        t = i * dt
        s = math.sin(w * t)
        vs.append(v)
        sines.append(s)
        v = v + dt * (-k * x - c * v + amp * s)
        x = x + dt * v
    dx, dv, dc, damp = 2.0 * x, 0.0, 0.0, 0.0
    for i in range(n - 1, -1, -1):
        dv = dv + dt * dx                   # x = x + dt * v
        dc = dc - dt * vs[i] * dv           # v = v + dt * (-k x - c v + amp s)
        damp = damp + dt * sines[i] * dv
        dx = dx - dt * k * dv
        dv = dv * (1.0 - dt * c)
    return dc, damp


def oscillator_jvp_by_hand(c, amp, k, w, dt, n, tc, tamp):
    """oscillator and its derivative along (tc, tamp)."""
    x, v, tx, tv = 1.0, 0.0, 0.0, 0.0
    for i in range(n):
        t = i * dt
        s = math.sin(w * t)
        tv = tv + dt * (-k * tx - tc * v - c * tv + tamp * s)
        v = v + dt * (-k * x - c * v + amp * s)
        x = x + dt * v
        tx = tx + dt * tv
    return x * x, 2.0 * x * tx


# -- W5: one elementwise expression over 10^6 values -----------------------------------
def bump(x):
    return np.sum(np.tanh(x) * np.exp(-x ** 2))


def bump_grad_by_hand(x):
    t = np.tanh(x)
    e = np.exp(-x ** 2)
    return e * (1.0 - t * t - 2.0 * x * t)


# -- W6: a small vector through a long loop -------------------------------------------
def long_loop(x, n):
    for i in range(n):
        x = np.sin(x) * 0.9 + 0.1 * x
    return x.sum()


def long_loop_grad_by_hand(x, n):
    xs = []
    for i in range(n):
        xs.append(x)
        x = np.sin(x) * 0.9 + 0.1 * x
    g = np.ones_like(x)
    for x in reversed(xs):
        g = g * (0.9 * np.cos(x) + 0.1)
    return g


# -- the workloads ----------------------------------------------------------------------
@dataclass
class Workload:
    key: str
    title: str
    func: Callable
    wrt: tuple            # leading positions: the parameters differentiated
    args: tuple
    by_hand: Callable
    jit_ok: bool = True   # whether jax.jit(jax.grad(f)) compiles cheaply (no unrolled
    #                       10^3-step loop, no Python branch on a traced value)
    tangents: tuple | None = None   # for the jvp rows
    jvp_by_hand: Callable | None = None
    extra: dict = field(default_factory=dict)


SIZES = {  # size -> (W3 steps, W4 steps, W5 length, W6 steps, MLP batch)
    "full": (100, 2000, 10 ** 6, 10_000, 128),
    "quick": (10, 100, 10 ** 4, 200, 32),
    "tiny": (3, 5, 10, 5, 8),   # child processes: the transform does not depend on sizes
}


def build(key: str, size: str = "full") -> Workload:
    steps, euler, length, loop, batch = SIZES[size]
    rng = np.random.default_rng(int(key[1:]))
    if key == "W1":
        return Workload("W1", "seed function of a 0-d array: doubling while loop, branch",
                        seed, (0,), (np.array(0.3),), seed_grad_by_hand, jit_ok=False)
    if key == "W2":
        x = rng.standard_normal((batch, 784))
        onehot = np.eye(10)[rng.integers(0, 10, batch)]
        params = (rng.standard_normal((784, 256)) * 0.05, np.zeros(256),
                  rng.standard_normal((256, 10)) * 0.05, np.zeros(10))
        tangents = tuple(rng.standard_normal(p.shape) for p in params)
        return Workload("W2", f"MLP loss, batch {batch}, 784 -> 256 -> 10, tanh, softmax "
                        "cross-entropy; grad wrt W1, b1, W2, b2",
                        mlp_loss, (0, 1, 2, 3), params + (x, onehot), mlp_grad_by_hand,
                        tangents=tangents + (None, None), jvp_by_hand=mlp_jvp_by_hand,
                        extra={"tangent_args": tangents})
    if key == "W3":
        Wx = rng.standard_normal((32, 64)) * 0.2
        Wh = rng.standard_normal((64, 64)) * 0.1
        xs = rng.standard_normal((steps, 16, 32))
        return Workload("W3", f"tanh RNN, {steps} steps, hidden 64, input 32, batch 16; "
                        "grad wrt Wx, Wh", rnn_loss, (0, 1), (Wx, Wh, xs), rnn_grad_by_hand)
    if key == "W4":
        return Workload("W4", f"damped driven oscillator, {euler} Euler steps on Python "
                        "floats; grad wrt c, amp", oscillator, (0, 1),
                        (0.3, 1.0, 2.0, 1.5, 0.01, euler), oscillator_grad_by_hand,
                        jit_ok=False, tangents=(1.0, 0.5, None, None, None, None),
                        jvp_by_hand=oscillator_jvp_by_hand, extra={"tangent_args": (1.0, 0.5)})
    if key == "W5":
        return Workload("W5", f"np.sum(np.tanh(x) * np.exp(-x ** 2)), {length} float64",
                        bump, (0,), (rng.standard_normal(length),), bump_grad_by_hand)
    if key == "W6":
        return Workload("W6", f"16-vector, {loop} steps of x = np.sin(x) * 0.9 + 0.1 * x",
                        long_loop, (0,), (rng.standard_normal(16), loop),
                        long_loop_grad_by_hand, jit_ok=False)
    raise KeyError(key)


KEYS = ("W1", "W2", "W3", "W4", "W5", "W6")


def as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def with_globals(func, **names):
    """``func``'s code run against other modules (``np`` -> ``autograd.numpy``): the same
    source, as if it had been written with ``import autograd.numpy as np``."""
    return types.FunctionType(func.__code__, {**func.__globals__, **names}, func.__name__,
                              func.__defaults__, func.__closure__)


# -- peers ----------------------------------------------------------------------------------
@dataclass
class System:
    label: str
    fn: Callable            # the timed call
    args: tuple
    to_numpy: Callable = as_tuple   # its result -> tuple of gradients as NumPy values


def autograd_systems(w: Workload, ag) -> list[System]:
    import autograd
    import autograd.numpy as anp
    from autograd.tracer import getval

    names = {"np": anp, "s2sad": types.SimpleNamespace(stop_gradient=getval)}
    wrt = w.wrt[0] if len(w.wrt) == 1 else w.wrt
    return [System("autograd", autograd.grad(with_globals(w.func, **names), wrt), w.args)]


def jax_systems(w: Workload, jax) -> list[System]:
    import jax.numpy as jnp

    names = {"np": jnp, "s2sad": types.SimpleNamespace(stop_gradient=jax.lax.stop_gradient)}
    f = w.func if w.key == "W4" else with_globals(w.func, **names)  # W4: floats, math.sin
    argnums = w.wrt[0] if len(w.wrt) == 1 else w.wrt
    args = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in w.args)
    grad = jax.grad(f, argnums=argnums)

    def to_numpy(out):
        return tuple(np.asarray(g) for g in as_tuple(out))

    def eager(*a):
        return jax.block_until_ready(grad(*a))

    systems = [System("jax grad", eager, args, to_numpy)]
    if w.jit_ok:
        jitted = jax.jit(grad)

        def compiled(*a):
            return jax.block_until_ready(jitted(*a))

        systems.append(System("jax jit(grad)", compiled, args, to_numpy))
    return systems


def torch_math(torch):
    """The workloads written for PyTorch (W4 runs the float code itself on 0-d tensors)."""

    def seed_t(a):
        b = a * 2
        while torch.linalg.vector_norm(b) < 1000:
            b = b * 2
        if b.sum() > 0:
            c = b
        else:
            c = 100 * b
        return c

    def mlp_t(W1, b1, W2, b2, x, onehot):
        h = torch.tanh(x @ W1 + b1)
        logits = h @ W2 + b2
        shift = logits.max(dim=1, keepdim=True).values.detach()
        z = logits - shift
        logp = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
        return -torch.sum(logp * onehot) / x.shape[0]

    def rnn_t(Wx, Wh, xs):
        h = torch.zeros((xs.shape[1], Wh.shape[0]), dtype=xs.dtype)
        for t in range(xs.shape[0]):
            h = torch.tanh(xs[t] @ Wx + h @ Wh)
        return torch.sum(h * h)

    def bump_t(x):
        return torch.sum(torch.tanh(x) * torch.exp(-x ** 2))

    def long_loop_t(x, n):
        for i in range(n):
            x = torch.sin(x) * 0.9 + 0.1 * x
        return x.sum()

    return {"W1": seed_t, "W2": mlp_t, "W3": rnn_t, "W4": oscillator, "W5": bump_t,
            "W6": long_loop_t}


def torch_systems(w: Workload, torch) -> list[System]:
    f = torch_math(torch)[w.key]
    args = []
    for i, a in enumerate(w.args):
        if i in w.wrt:
            args.append(torch.tensor(a, dtype=torch.float64, requires_grad=True))
        elif isinstance(a, np.ndarray):
            args.append(torch.from_numpy(a))
        else:
            args.append(a)
    leaves = [args[i] for i in w.wrt]

    def backward(*a):
        for p in leaves:
            p.grad = None
        f(*a).backward()
        return tuple(p.grad for p in leaves)

    def to_numpy(out):
        return tuple(g.numpy() if g.ndim else g.item() for g in out)

    return [System("torch .backward()", backward, tuple(args), to_numpy)]


def version(name: str) -> str:
    try:
        return dist_version(name)
    except PackageNotFoundError:
        return "(version unknown)"


def load_peers() -> dict:
    """name -> (module, systems factory) for each importable peer; a note for the others."""
    peers = {}
    try:
        import autograd
        peers["autograd"] = (autograd, autograd_systems)
    except ImportError:
        print("note: autograd is not importable; skipped (pip install -e '.[bench]')")
    try:
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        import jax
        jax.config.update("jax_enable_x64", True)   # float64, as NumPy
        peers["jax"] = (jax, jax_systems)
    except ImportError:
        print("note: JAX is not importable; skipped (optional: pip install jax)")
    try:
        import torch
        peers["torch"] = (torch, torch_systems)
    except ImportError:
        print("note: PyTorch is not importable; skipped (optional: pip install torch, CPU)")
    return peers


# -- measurement -------------------------------------------------------------------------
def interleaved_times(calls, repeat: int, budget: float, least: int):
    """Median time of each (fn, args), called round by round so that load hits all alike.

    Each function gets an equal share of ``budget`` seconds: at most ``repeat`` calls,
    fewer (not under ``least``) when its share runs out, so a slow peer does not cut
    the rounds of the fast functions; a function that is done drops out of the later
    rounds, which interleave the others as before. Returns the medians and the number
    of calls of each.

    A function faster than ``BATCH_SECONDS`` is timed over a batch of calls in a row
    (as ``timeit`` does) and the batch's time divided: otherwise the timer's own cost,
    and the caches the other systems' calls just evicted, would be most of what is
    measured for a function of some microseconds."""
    counts, batches = [], []
    for fn, args in calls:   # warm-up (first calls specialize, compile, fill caches)
        fn(*args)
        start = time.perf_counter()
        fn(*args)
        once = max(time.perf_counter() - start, 1e-9)
        batch = max(1, min(MAX_BATCH, int(BATCH_SECONDS / once)))
        share = budget / len(calls) / (once * batch)
        counts.append(max(least, min(repeat, int(share))))
        batches.append(batch)
    times = [[] for _ in calls]
    for r in range(max(counts)):
        for (fn, args), out, count, batch in zip(calls, times, counts, batches):
            if r < count:
                begin = time.perf_counter()
                for _ in range(batch):
                    fn(*args)
                out.append((time.perf_counter() - begin) / batch)
    return [statistics.median(t) for t in times], counts


def calls_note(counts) -> str:
    low, high = min(counts), max(counts)
    return f"{high} calls each" if low == high else f"{low}-{high} calls each"


def check(label: str, w: Workload, got, want) -> None:
    got, want = as_tuple(got), as_tuple(want)
    assert len(got) == len(want), (
        f"{w.key}: {label} gave {len(got)} gradient(s), the hand-written one {len(want)}")
    for i, (g, h) in enumerate(zip(got, want)):
        g = np.asarray(g)
        assert g.shape == np.shape(h) and np.allclose(g, h, rtol=1e-6, atol=1e-9), (
            f"{w.key} {w.func.__name__}: {label}'s gradient for parameter {w.wrt[i]} "
            f"differs from the hand-written one (max abs difference "
            f"{np.max(np.abs(g - h)) if g.shape == np.shape(h) else 'shape ' + str(g.shape)})")


def header(title: str, extra: str = "") -> None:
    print(f"\n{title}")
    print(f"  {'':<24} {'median ms':>11} {'x forward':>10} {'x hand':>8} {extra:>13}")


def line(label: str, t: float, forward: float, hand: float, tail: str = "") -> str:
    return f"  {label:<24} {t * 1e3:11.3f} {t / forward:10.2f} {t / hand:8.2f} {tail:>13}"


def peak_memory(fn, args) -> int:
    """Peak bytes allocated during one call beyond what was live before it."""
    fn(*args)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def run_workload(w: Workload, peers: dict, repeat: int, budget: float, least: int,
                 results: dict) -> None:
    grad = s2sad.grad(w.func, wrt=w.wrt[0] if len(w.wrt) == 1 else w.wrt)
    want = w.by_hand(*w.args)
    check("s2sad", w, grad(*w.args), want)
    systems = [System("forward", w.func, w.args), System("hand-written gradient",
                                                         w.by_hand, w.args),
               System("s2sad grad", grad, w.args)]
    for name, (module, factory) in peers.items():
        try:
            made = factory(w, module)
            for s in made:
                out = s.fn(*s.args)
                check(s.label, w, s.to_numpy(out), want)
        except AssertionError:
            raise
        except Exception as exc:  # noqa: BLE001 -- a peer that cannot run this math
            print(f"note: {w.key}: {name} failed ({type(exc).__name__}: {exc}); skipped")
            continue
        systems.extend(made)
    times, counts = interleaved_times([(s.fn, s.args) for s in systems], repeat, budget,
                                      least)
    fwd, hand, mine = times[0], times[1], times[2]
    header(f"{w.key}  {w.title}  ({calls_note(counts)})", "s2sad / this")
    for s, t in zip(systems, times):
        tail = f"{mine / t:.2f}" if s.label not in ("forward", "hand-written gradient",
                                                    "s2sad grad") else ""
        print(line(s.label, t, fwd, hand, tail))
    results[w.key] = {"hand": mine / hand,
                      "peers": {s.label: mine / t for s, t in zip(systems[3:], times[3:])}}
    if w.key == "W6":
        raw = w.args[1] * w.args[0].nbytes
        print(f"  peak extra memory of one call (tracemalloc; {w.args[1]} steps x "
              f"{w.args[0].nbytes} bytes of state = {raw / 1e6:.2f} MB):")
        for s in systems[1:]:
            if s.label.startswith(("jax", "torch")):
                continue  # their buffers are not allocated through Python's allocator
            print(f"    {s.label:<22} {peak_memory(s.fn, s.args) / 1e6:9.2f} MB")


def run_jvps(workloads: dict, repeat: int, budget: float, least: int,
             results: dict) -> None:
    for key in ("W2", "W4"):
        if key not in workloads:
            continue
        w = workloads[key]

        def s2sad_jvp(*a, w=w):
            return s2sad.jvp(w.func, a, w.tangents)

        def by_hand(*a, w=w):
            return w.jvp_by_hand(*a, *w.extra["tangent_args"])

        value, tangent = s2sad_jvp(*w.args)
        want_value, want_tangent = by_hand(*w.args)
        assert np.isclose(value, want_value) and np.isclose(tangent, want_tangent, rtol=1e-6), (
            f"{key} {w.func.__name__}: s2sad.jvp gives ({value}, {tangent}), the "
            f"hand-written directional derivative ({want_value}, {want_tangent})")
        (fwd, hand, mine), counts = interleaved_times(
            [(w.func, w.args), (by_hand, w.args), (s2sad_jvp, w.args)], repeat, budget, least)
        header(f"{key} jvp along one direction ({calls_note(counts)})")
        print(line("forward", fwd, fwd, hand))
        print(line("hand-written jvp", hand, fwd, hand))
        print(line("s2sad.jvp", mine, fwd, hand))
        results.setdefault("jvp", {})[key] = mine / hand


# -- the time to obtain a derivative, in fresh processes -----------------------------------
CHILD = """
import json, sys
sys.path.insert(0, {here!r})
import bench_suite
print(json.dumps(bench_suite.obtain({key!r}, {mode!r})))
"""


def obtain(key: str, mode: str) -> dict:
    """Run in a fresh process: seconds for s2sad.grad(f), its first call and a later one.
    The function itself runs once first: NumPy's own first-call costs (the BLAS starting
    up for the first matrix product) are not the derivative's."""
    if mode == "rules":  # only load the rule templates (their compiled code is cached)
        s2sad.rules.registry()
        return {"grad": 0.0, "first": 0.0, "later": 0.0}
    w = build(key, "tiny")
    w.func(*w.args)
    start = time.perf_counter()
    if mode == "grad":
        df = s2sad.grad(w.func, wrt=w.wrt[0] if len(w.wrt) == 1 else w.wrt)

        def call():
            return df(*w.args)
    else:
        def call():
            return s2sad.jvp(w.func, w.args, w.tangents)
    made = time.perf_counter()
    call()
    first = time.perf_counter()
    later = []
    for _ in range(5):
        begin = time.perf_counter()
        call()
        later.append(time.perf_counter() - begin)
    return {"grad": made - start, "first": first - made, "later": min(later)}


def obtain_in_child(key: str, mode: str, cache_dir: str) -> tuple[float, float]:
    """(seconds in s2sad.grad, extra seconds of the first call) in a fresh process."""
    env = dict(os.environ, S2SAD_CACHE_DIR=cache_dir)
    code = CHILD.format(here=str(HERE), key=key, mode=mode)
    proc = subprocess.run([sys.executable, "-c", code], env=env, check=False,
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"{key} {mode} child process failed:\n{proc.stderr}"
    t = json.loads(proc.stdout.strip().splitlines()[-1])
    return t["grad"], max(0.0, t["first"] - t["later"])


def run_obtain(runs: int, results: dict) -> None:
    print(f"\nTime to obtain each derivative in a fresh process, median of {runs} (ms): "
          "s2sad.grad(f) (nothing for jvp) + the first call's extra time over a later "
          "call; imports excluded. First use: an empty cache (the rule templates are "
          "compiled too, once per cache); cold: f is not in the cache; warm: it is")
    print(f"  {'':<24} {'first use':>9} {'cold':>8} {'= grad()':>9} {'+ 1st call':>11} "
          f"{'warm':>8} {'= grad()':>9} {'+ 1st call':>11} {'cold/warm':>10}")
    for key, mode in [(k, "grad") for k in KEYS] + [("W2", "jvp"), ("W4", "jvp")]:
        first, cold, warm = [], [], []
        for _ in range(runs):
            empty = tempfile.mkdtemp(prefix="s2sad-bench-")
            primed = tempfile.mkdtemp(prefix="s2sad-bench-")
            try:
                first.append(obtain_in_child(key, mode, empty))
                obtain_in_child(key, "rules", primed)
                cold.append(obtain_in_child(key, mode, primed))
                warm.append(obtain_in_child(key, mode, primed))
            finally:
                shutil.rmtree(empty, ignore_errors=True)
                shutil.rmtree(primed, ignore_errors=True)
        cells, totals = [], []
        for parts in (cold, warm):
            total = statistics.median(g + f for g, f in parts)
            totals.append(total)
            cells.append(f"{total * 1e3:8.1f} {statistics.median(g for g, _ in parts) * 1e3:9.1f} "
                         f"{statistics.median(f for _, f in parts) * 1e3:11.1f}")
        first_use = statistics.median(g + f for g, f in first)
        name = f"{key} {build(key, 'tiny').func.__name__} {mode}"
        print(f"  {name:<24} {first_use * 1e3:9.1f} {cells[0]} {cells[1]} "
              f"{totals[0] / totals[1]:9.1f}x")
        results.setdefault("obtain", {})[f"{key} {mode}"] = tuple(totals)


def report_targets(results: dict) -> None:
    print("\nTargets (issue 7)")
    keys = [k for k in KEYS if k in results]
    for key in keys:
        r = results[key]
        ok = r["hand"] <= HAND_TARGETS[key]
        print(f"  {key} s2sad / hand-written {r['hand']:5.2f}x (<= {HAND_TARGETS[key]}x): "
              f"{'yes' if ok else 'NO'}")
    for key, r in results.get("jvp", {}).items():
        print(f"  {key} s2sad.jvp / hand-written jvp {r:5.2f}x (<= {JVP_TARGET}x): "
              f"{'yes' if r <= JVP_TARGET else 'NO'}")
    for peer, label in (("autograd", "autograd"), ("PyTorch eager", "torch .backward()")):
        if not any(label in results[k]["peers"] for k in keys):
            continue
        slower = [f"{k} ({r:.2f}x)" for k in keys
                  for name, r in results[k]["peers"].items() if name == label and r >= 1]
        print(f"  faster than {peer} on every workload: "
              + ("yes" if not slower else "NO: " + ", ".join(slower)))
    obtained = results.get("obtain", {})
    if not obtained:
        return
    cold = [f"{k} ({c * 1e3:.0f} ms)" for k, (c, _) in obtained.items() if c >= COLD_TARGET]
    warm = [f"{k} ({w * 1e3:.1f} ms)" for k, (_, w) in obtained.items() if w >= WARM_TARGET]
    print("  cold < 150 ms for every derivative: "
          + ("yes" if not cold else "NO: " + ", ".join(cold)))
    print("  warm < 5 ms for every derivative:   "
          + ("yes" if not warm else "NO: " + ", ".join(warm)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed rounds per workload (default 50; 5 with --quick)")
    parser.add_argument("--runs", type=int, default=None,
                        help="fresh-process runs per derivative (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and fewer repeats: a smoke test")
    parser.add_argument("--only", default=",".join(KEYS),
                        help="comma-separated workloads to run (default: all), e.g. W1,W5")
    parser.add_argument("--no-obtain", action="store_true",
                        help="skip the cold/warm fresh-process timings")
    opts = parser.parse_args()
    keys = [k.strip().upper() for k in opts.only.split(",") if k.strip()]
    unknown = sorted(set(keys) - set(KEYS))
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(KEYS)}")
    size = "quick" if opts.quick else "full"
    repeat = opts.repeat or (5 if opts.quick else 50)
    runs = opts.runs or (1 if opts.quick else 3)
    budget, least = (0.5, 3) if opts.quick else (15.0, 5)

    threads = ", ".join(f"{v}={os.environ[v]}" for v in
                        ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
                        if v in os.environ) or "threads not pinned"
    print(f"s2sad {s2sad.__version__}, NumPy {np.__version__}, Python "
          f"{sys.version.split()[0]}; {'quick' if opts.quick else 'full'} sizes; "
          f"{os.cpu_count()} CPUs, {threads}")
    peers = load_peers()
    for name, (module, _) in peers.items():
        print(f"peer: {name} {version(module.__name__)}")
    print("Gradients are checked against the hand-written ones first; times are medians "
          "per call; 's2sad / this' < 1 means s2sad is faster.")
    workloads = {key: build(key, size) for key in keys}
    results: dict = {}
    for key in keys:
        run_workload(workloads[key], peers, repeat, budget, least, results)
    run_jvps(workloads, repeat, budget, least, results)
    if not opts.no_obtain:
        run_obtain(runs, results)
    report_targets(results)


if __name__ == "__main__":
    main()

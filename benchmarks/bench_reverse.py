"""Reverse mode against the forward function and a hand-written NumPy gradient.

Run: ``python3 benchmarks/bench_reverse.py [--repeat N]``. Every number is the
median of N timed calls measured in this run, side by side, so the ratios are
comparable even on a busy machine. Each gradient is first checked against the
hand-written one.

Targets (issue 2): MLP gradient <= 1.3x the hand-written gradient; a 1000-step
scalar loop's gradient <= 3x its forward time.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

import s2sad


# -- W2: two-layer MLP, softmax cross-entropy ---------------------------------------
def mlp_loss(W1, b1, W2, b2, x, onehot):
    h = np.tanh(x @ W1 + b1)
    logits = h @ W2 + b2
    shift = s2sad.stop_gradient(logits.max(axis=1, keepdims=True))
    z = logits - shift
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(logp * onehot) / x.shape[0]


def mlp_grad_by_hand(W1, b1, W2, b2, x, onehot):
    h = np.tanh(x @ W1 + b1)
    logits = h @ W2 + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    dlogits = (p - onehot) / x.shape[0]
    dh = dlogits @ W2.T
    da = dh * (1.0 - h * h)
    return x.T @ da, da.sum(axis=0), h.T @ dlogits, dlogits.sum(axis=0)


# -- a Python loop of 1000 scalar float steps ----------------------------------------
def scalar_loop(x, k):
    for i in range(1000):
        x = x + 0.01 * math.sin(x) * k
    return x


def scalar_loop_grad_by_hand(x, k):
    xs = []
    for i in range(1000):
        xs.append(x)
        x = x + 0.01 * math.sin(x) * k
    dx, dk = 1.0, 0.0
    for x in reversed(xs):
        dk += dx * 0.01 * math.sin(x)
        dx = dx * (1.0 + 0.01 * math.cos(x) * k)
    return dx, dk


def median_times(fns, args, repeat: int) -> list[float]:
    """Median time of each function, calls interleaved so that load hits all alike."""
    for fn in fns:
        fn(*args)
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, times):
            start = time.perf_counter()
            fn(*args)
            out.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def row(name, t, base):
    return f"  {name:<34} {t * 1e3:10.3f} ms   {t / base:6.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    repeat = parser.parse_args().repeat
    rng = np.random.default_rng(0)

    x = rng.standard_normal((128, 784))
    onehot = np.eye(10)[rng.integers(0, 10, 128)]
    params = (rng.standard_normal((784, 256)) * 0.05, np.zeros(256),
              rng.standard_normal((256, 10)) * 0.05, np.zeros(10))
    args = params + (x, onehot)
    grad_mlp = s2sad.grad(mlp_loss, wrt=(0, 1, 2, 3))
    for got, want in zip(grad_mlp(*args), mlp_grad_by_hand(*args)):
        assert np.allclose(got, want), "MLP gradient differs from the hand-written one"
    t_fwd, t_hand, t_s2sad = median_times([mlp_loss, mlp_grad_by_hand, grad_mlp], args,
                                          repeat)
    print("W2 MLP loss, batch 128, 784 -> 256 -> 10 (ratio to the hand-written gradient)")
    print(row("forward", t_fwd, t_hand))
    print(row("hand-written gradient", t_hand, t_hand))
    print(row("s2sad gradient", t_s2sad, t_hand))
    mlp_ratio = t_s2sad / t_hand

    grad_loop = s2sad.grad(scalar_loop, wrt=(0, 1))
    got, want = grad_loop(0.3, 1.7), scalar_loop_grad_by_hand(0.3, 1.7)
    assert np.allclose(got, want), "loop gradient differs from the hand-written one"
    t_fwd, t_hand, t_s2sad = median_times(
        [scalar_loop, scalar_loop_grad_by_hand, grad_loop], (0.3, 1.7), repeat)
    print("\nScalar loop, 1000 steps of x = x + 0.01 * sin(x) * k (ratio to the forward)")
    print(row("forward", t_fwd, t_fwd))
    print(row("hand-written gradient", t_hand, t_fwd))
    print(row("s2sad gradient", t_s2sad, t_fwd))
    loop_ratio = t_s2sad / t_fwd

    print(f"\nMLP gradient / hand-written gradient: {mlp_ratio:.2f}x (target <= 1.3x)")
    print(f"scalar loop gradient / forward:       {loop_ratio:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()

"""Forward mode and Hessian-vector products, measured side by side in one run.

Run: ``python3 benchmarks/bench_forward.py [--repeat N]``. Targets (issue 4): jvp at most
2x the forward time on the MLP loss and on the 1000-step scalar loop; hvp at most 4x
the gradient's time on the MLP loss (it never forms the Hessian). Each result is first
checked against finite differences.
"""

from __future__ import annotations

import argparse

import numpy as np
from bench_reverse import median_times, mlp_loss, row, scalar_loop

import s2sad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    repeat = parser.parse_args().repeat
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 784))
    onehot = np.eye(10)[rng.integers(0, 10, 128)]
    params = [rng.standard_normal((784, 256)) * 0.05, np.zeros(256),
              rng.standard_normal((256, 10)) * 0.05, np.zeros(10)]
    args = tuple(params) + (x, onehot)
    tangents = tuple(rng.standard_normal(p.shape) for p in params) + (None, None)

    def mlp_jvp(*a):
        return s2sad.jvp(mlp_loss, a, tangents)

    eps = 1e-6
    plus = [p + eps * t for p, t in zip(params, tangents)]
    minus = [p - eps * t for p, t in zip(params, tangents)]
    fd = (mlp_loss(*plus, x, onehot) - mlp_loss(*minus, x, onehot)) / (2 * eps)
    assert np.isclose(mlp_jvp(*args)[1], fd, rtol=1e-4), "MLP jvp differs from differences"

    grad_w1 = s2sad.grad(mlp_loss, wrt=0)
    hv = s2sad.hvp(mlp_loss, wrt=0)
    v = rng.standard_normal(params[0].shape)

    def mlp_hvp(*a):
        return hv(*a, v)

    g_plus = grad_w1(params[0] + eps * v, *args[1:])
    g_minus = grad_w1(params[0] - eps * v, *args[1:])
    assert np.allclose(mlp_hvp(*args), (g_plus - g_minus) / (2 * eps), rtol=1e-3,
                       atol=1e-6), "MLP hvp differs from differences of the gradient"

    t_fwd, t_jvp, t_grad, t_hvp = median_times([mlp_loss, mlp_jvp, grad_w1, mlp_hvp], args,
                                               repeat)
    print("W2 MLP loss, batch 128, 784 -> 256 -> 10")
    print(row("forward", t_fwd, t_fwd))
    print(row("s2sad jvp (ratio to forward)", t_jvp, t_fwd))
    print(row("s2sad grad wrt W1", t_grad, t_grad))
    print(row("s2sad hvp wrt W1 (ratio to grad)", t_hvp, t_grad))

    def loop_jvp(x0, k):
        return s2sad.jvp(scalar_loop, (x0, k), (1.0, None))

    fd = (scalar_loop(0.3 + eps, 1.7) - scalar_loop(0.3 - eps, 1.7)) / (2 * eps)
    assert np.isclose(loop_jvp(0.3, 1.7)[1], fd, rtol=1e-5)
    t_loop, t_loop_jvp = median_times([scalar_loop, loop_jvp], (0.3, 1.7), repeat)
    print("\nScalar loop, 1000 steps")
    print(row("forward", t_loop, t_loop))
    print(row("s2sad jvp", t_loop_jvp, t_loop))

    print(f"\nMLP jvp / forward:   {t_jvp / t_fwd:.2f}x (target <= 2x)")
    print(f"loop jvp / forward:  {t_loop_jvp / t_loop:.2f}x (target <= 2x)")
    print(f"MLP hvp / gradient:  {t_hvp / t_grad:.2f}x (target <= 4x)")


if __name__ == "__main__":
    main()

"""The autograd chapter (written for MindSpore) redone with NumPy and s2sad, cell by cell.

Run it: ``python3 examples/autograd_intro.py``. Every cell prints its result and
checks it; the last one prints the generated derivative of the control-flow
function. `check_all()` returns the checks so the test suite can run them too.
"""

import numpy as np

import s2sad

# In [1]: x = arange(4.0)
x = np.arange(4.0)


# In [2]-[4]: y = 2 x.x, and its gradient is 4x
def forward_dot(x):
    return 2 * np.dot(x, x)


# In [5]-[6]: the gradient of x.sum() is all ones
def forward_sum(x):
    return x.sum()


# In [7]-[8], [10]: the gradient of (x * x).sum() is 2x
def forward_square(x):
    y = x * x
    return y.sum()


# In [9]: stop_gradient moves u out of the recorded computation; the gradient is u
def forward_detached(x):
    y = x * x
    u = s2sad.stop_gradient(y)
    z = u * x
    return z, u


# In [11]: Python control flow; the gradient of f at a is f(a) / a
def f(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


# The same function for a Python float input (a float has no .sum() method)
def f_float(a):
    b = a * 2
    while abs(b) < 1000:
        b = b * 2
    if b > 0:
        c = b
    else:
        c = 100 * b
    return c


def check_all(verbose: bool = False) -> list[tuple[str, bool]]:
    """Every cell's check as (description, passed)."""
    checks = []

    def report(name, value, ok):
        checks.append((name, bool(ok)))
        if verbose:
            print(f"{'ok ' if ok else 'FAIL'} {name}: {value!r}")

    grad_dot = s2sad.grad(forward_dot)(x)
    report("grad of 2 * dot(x, x) == 4 * x", grad_dot, np.array_equal(grad_dot, 4 * x))

    grad_sum = s2sad.grad(forward_sum)(x)
    report("grad of x.sum() == ones", grad_sum, np.array_equal(grad_sum, np.ones(4)))

    grad_square = s2sad.grad(forward_square)(x)
    report("grad of (x * x).sum() == 2 * x", grad_square, np.array_equal(grad_square, 2 * x))

    _, u = forward_detached(x)
    grad_detached = s2sad.grad(forward_detached)(x)
    report("grad with stop_gradient == u", grad_detached, np.array_equal(grad_detached, u))

    rng = np.random.default_rng(0)
    for a in (np.array(rng.standard_normal()), np.array(-abs(rng.standard_normal())),
              np.float64(0.37), np.float64(-1.3)):
        a_grad = s2sad.grad(f)(a)
        report(f"grad of f at {type(a).__name__} {float(a):+.3f} == f(a) / a", a_grad,
               np.isclose(a_grad, f(a) / a, rtol=0, atol=0) and type(a_grad) is type(a))
    for a in (0.37, -1.3):
        a_grad = s2sad.grad(f_float)(a)
        report(f"grad of f at float {a:+.3f} == f(a) / a", a_grad,
               a_grad == f_float(a) / a and type(a_grad) is float)
    return checks


def main() -> int:
    print("x =", x)
    checks = check_all(verbose=True)
    print("\nThe derivative s2sad generated for the control-flow function f:\n")
    print(s2sad.source(s2sad.grad(f)))
    failed = [name for name, ok in checks if not ok]
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Fit a small two-layer network with plain gradient descent on a dict of parameters.

Run: ``python3 examples/train.py``. The gradient of the loss with respect to the whole
parameter dict is a dict of the same keys; one line of Python updates every parameter.
"""

import numpy as np

import s2sad


def predict(params, x):
    hidden = np.tanh(x @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


def loss(params, x, y):
    error = predict(params, x) - y
    return np.mean(error * error)


def init(rng, n_in=1, n_hidden=16, n_out=1):
    return {"W1": rng.normal(size=(n_in, n_hidden)), "b1": np.zeros(n_hidden),
            "W2": rng.normal(size=(n_hidden, n_out)) * 0.1, "b2": np.zeros(n_out)}


def fit(steps=500, rate=0.1, seed=0, verbose=False):
    rng = np.random.default_rng(seed)
    x = np.linspace(-2.0, 2.0, 64).reshape(-1, 1)
    y = np.sin(2.0 * x)
    params = init(rng)
    value_and_grad = s2sad.value_and_grad(loss)
    history = []
    for step in range(steps):
        value, grads = value_and_grad(params, x, y)
        params = {name: params[name] - rate * grads[name] for name in params}
        history.append(float(value))
        if verbose and step % 100 == 0:
            print(f"step {step:4d}  loss {value:.5f}")
    return params, history


def main() -> int:
    _, history = fit(verbose=True)
    print(f"loss: {history[0]:.4f} -> {history[-1]:.4f}")
    return 0 if history[-1] < 0.2 * history[0] else 1


if __name__ == "__main__":
    raise SystemExit(main())

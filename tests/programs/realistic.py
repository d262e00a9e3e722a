"""Realistic user programs: what a scientist or ML engineer would write in plain Python
and NumPy and then differentiate (tests/test_realistic.py checks them against finite
differences)."""

import math
from dataclasses import dataclass

import numpy as np

import s2sad

# ---------------------------------------------------------------- regression losses


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def logistic_loss(w, X, y, lam=0.1):
    """Logistic regression with an L2 penalty, written the numerically careful way."""
    z = X @ w
    # log(1 + exp(-|z|)) + max(z, 0) - y z, piecewise through np.where
    loss = np.where(z > 0, z + np.log1p(np.exp(-z)), np.log1p(np.exp(z))) - y * z
    return np.mean(loss) + 0.5 * lam * np.sum(w ** 2)


def logsumexp(a, axis=-1):
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def softmax_regression(W, X, labels):
    logits = X @ W
    lse = logsumexp(logits, axis=1)
    n = X.shape[0]
    picked = logits[np.arange(n), labels]
    return np.mean(lse - picked)


def ridge_fit_loss(lam, X, y, Xval, yval):
    """Validation loss of ridge regression as a function of the penalty (hyperparameter
    gradient through np.linalg.solve)."""
    d = X.shape[1]
    A = X.T @ X + lam * np.eye(d)
    w = np.linalg.solve(A, X.T @ y)
    r = Xval @ w - yval
    return r @ r / len(yval)


def huber(r, delta=1.0):
    a = np.abs(r)
    quad = np.minimum(a, delta)
    lin = a - quad
    return 0.5 * quad ** 2 + delta * lin


def robust_fit(params, t, y):
    slope, intercept = params[0], params[1]
    pred = slope * t + intercept
    return np.sum(huber(pred - y, delta=0.5)) + 0.01 * np.sum(np.clip(params, -1.0, 1.0) ** 2)


def trimmed_mean_loss(x, trim=2):
    s = np.sort(x ** 2)
    kept = s[trim:len(s) - trim]
    return kept.mean()


def per_sample_losses(w, X, y):
    """A Python list of per-sample losses, then sum(...) / len(...)."""
    losses = []
    for i in range(len(y)):
        pred = np.dot(X[i], w)
        err = pred - y[i]
        losses.append(err * err)
    return sum(losses) / len(losses)


# ---------------------------------------------------------------- neural networks


def mlp(params, x):
    h = np.maximum(x @ params["W1"] + params["b1"], 0.0)
    return h @ params["W2"] + params["b2"]


def mlp_loss(params, x, y):
    out = mlp(params, x)
    return np.mean((out - y) ** 2)


def conv1d(x, kernel):
    k = len(kernel)
    n = len(x) - k + 1
    out = np.zeros(n)
    for i in range(n):
        out[i] = np.sum(x[i:i + k] * kernel)
    return out


def conv_net(kernel, x):
    y = conv1d(x, kernel)
    y = np.tanh(y)
    return np.sum(y ** 2)


def softmax(a, axis=-1):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def attention(Q, K, V):
    d = Q.shape[-1]
    scores = np.einsum("id,jd->ij", Q, K) / np.sqrt(d)
    A = softmax(scores, axis=-1)
    return A @ V


def attention_loss(Q, K, V):
    out = attention(Q, K, V)
    return np.sum(out * out)


def gru_sequence(Wz, Wr, Wh, xs, h0):
    h = h0
    states = []
    for x in xs:
        hx = np.concatenate([h, x])
        z = sigmoid(Wz @ hx)
        r = sigmoid(Wr @ hx)
        cand = np.tanh(Wh @ np.concatenate([r * h, x]))
        h = (1 - z) * h + z * cand
        states.append(h)
    H = np.stack(states)
    return np.sum(H[-1]) + 0.1 * np.sum(H ** 2)


def rnn_loss(W, U, xs, targets):
    h = np.zeros(W.shape[0])
    total = 0.0
    for t in range(len(xs)):
        h = np.tanh(W @ h + U @ xs[t])
        total += (h[0] - targets[t]) ** 2
    return total


# ---------------------------------------------------------------- simulation


def pendulum_rhs(theta, omega, g=9.81, length=1.0):
    return omega, -g / length * math.sin(theta)


def pendulum(theta0, omega0, dt=0.01, steps=50):
    theta, omega = theta0, omega0
    for _ in range(steps):
        _, domega = pendulum_rhs(theta, omega)
        omega = omega + dt * domega
        theta = theta + dt * omega
    return theta


def rk4_step(f, y, t, dt, k):
    k1 = f(y, t, k)
    k2 = f(y + 0.5 * dt * k1, t + 0.5 * dt, k)
    k3 = f(y + 0.5 * dt * k2, t + 0.5 * dt, k)
    k4 = f(y + dt * k3, t + dt, k)
    return y + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def lotka_volterra(y, t, k):
    prey, pred = y[0], y[1]
    return np.array([k[0] * prey - k[1] * prey * pred,
                     k[2] * prey * pred - k[3] * pred])


def integrate_lv(k, y0, dt=0.05, steps=20):
    y = y0
    t = 0.0
    for _ in range(steps):
        y = rk4_step(lotka_volterra, y, t, dt, k)
        t += dt
    return y[0] + 2.0 * y[1]


def spring_chain(x0, v0, k, dt=0.02, steps=30):
    """Masses on a line connected by springs, symplectic Euler with arrays."""
    x = x0.copy()
    v = v0.copy()
    n = len(x)
    for _ in range(steps):
        f = np.zeros(n)
        stretch = np.diff(x) - 1.0
        f[:-1] += k * stretch
        f[1:] -= k * stretch
        v += dt * f
        x += dt * v
    return np.sum(x ** 2) + 0.5 * np.sum(v ** 2)


def newton_sqrt(a, tol=1e-12):
    """Square root by Newton's method, a while loop with a data-dependent exit."""
    x = max(1.0, a)
    while abs(x * x - a) > tol:
        x = 0.5 * (x + a / x)
    return x


def newton_solve_cubic(c):
    """Root of x^3 + x - c (implicit function); vector c, elementwise Newton."""
    x = np.zeros_like(c)
    it = 0
    while it < 50:
        fx = x ** 3 + x - c
        if np.max(np.abs(fx)) < 1e-13:
            break
        x = x - fx / (3 * x ** 2 + 1)
        it += 1
    return np.sum(x ** 2)


# ---------------------------------------------------------------- Gaussian models


def gaussian_nll(L_flat, mu, X):
    """Negative log-likelihood of rows of X under N(mu, L L^T) via Cholesky of the
    covariance built from an unconstrained lower factor."""
    d = mu.shape[0]
    Lraw = L_flat.reshape(d, d)
    L = np.tril(Lraw)
    S = L @ L.T + 0.5 * np.eye(d)
    C = np.linalg.cholesky(S)
    diff = X - mu
    Z = np.linalg.solve(C, diff.T)
    _sign, logdet = np.linalg.slogdet(S)
    n = X.shape[0]
    return 0.5 * np.sum(Z ** 2) + 0.5 * n * logdet + 0.5 * n * d * np.log(2 * np.pi)


def rbf_kernel(X1, X2, length, var):
    sq = np.sum(X1 ** 2, axis=1)[:, None] + np.sum(X2 ** 2, axis=1)[None, :] - 2 * X1 @ X2.T
    return var * np.exp(-0.5 * sq / length ** 2)


def gp_nll(log_params, X, y):
    length = np.exp(log_params[0])
    var = np.exp(log_params[1])
    noise = np.exp(log_params[2])
    K = rbf_kernel(X, X, length, var) + noise * np.eye(len(y))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * math.log(2 * math.pi)


def kalman_step(m, P, F, Q, H, R, y):
    m_pred = F @ m
    P_pred = F @ P @ F.T + Q
    S = H @ P_pred @ H.T + R
    K = P_pred @ H.T @ np.linalg.inv(S)
    innov = y - H @ m_pred
    m_new = m_pred + K @ innov
    P_new = (np.eye(len(m)) - K @ H) @ P_pred
    return m_new, P_new, innov, S


def kalman_loglik(q, m0, P0, F, H, R, ys):
    Q = q * np.eye(len(m0))
    m, P = m0, P0
    ll = 0.0
    for y in ys:
        m, P, innov, S = kalman_step(m, P, F, Q, H, R, y)
        ll = ll - 0.5 * (innov @ np.linalg.solve(S, innov) + np.log(np.linalg.det(S)))
    return ll


# ---------------------------------------------------------------- polynomials and features


def horner(coeffs, x):
    acc = 0.0 * x
    for c in coeffs:
        acc = acc * x + c
    return acc


def poly_fit_loss(coeffs, xs, ys):
    return np.sum((horner(coeffs, xs) - ys) ** 2)


def cumulative_features(x):
    c = np.cumsum(x)
    p = np.cumprod(1.0 + 0.1 * x)
    return np.sum(c * p) + c[-1] ** 2


def running_product(x):
    out = np.ones(len(x))
    acc = 1.0
    for i in range(len(x)):
        acc *= x[i]
        out[i] = acc
    return np.sum(out)


def piecewise(x):
    if x < -1.0:
        y = -x - 0.5
    elif x < 1.0:
        y = 0.5 * x * x
    else:
        y = x - 0.5
    return y * math.exp(0.1 * x)


def piecewise_sum(xs):
    total = 0.0
    for x in xs:
        total = total + piecewise(float(x))
    return total


def moments(x, weights=None):
    """Dict accumulation and keyword-only options."""
    stats = {}
    w = np.ones_like(x) if weights is None else weights
    stats["mean"] = np.sum(w * x) / np.sum(w)
    stats["var"] = np.sum(w * (x - stats["mean"]) ** 2) / np.sum(w)
    return stats["mean"] + 2.0 * stats["var"]


def tridiag_energy(u, h=0.1):
    """A 1-d Dirichlet energy with an in-place Laplacian assembled by slices."""
    lap = np.zeros_like(u)
    lap[1:-1] = (u[:-2] - 2 * u[1:-1] + u[2:]) / h ** 2
    lap[0] = (u[1] - 2 * u[0]) / h ** 2
    lap[-1] = (u[-2] - 2 * u[-1]) / h ** 2
    return -0.5 * np.dot(u, lap) * h + np.sum(np.cos(u)) * h


# ---------------------------------------------------------------- objects


class LinearModel:
    def __init__(self, W, b, scale=1.0):
        self.W = W
        self.b = b
        self.scale = scale

    def __call__(self, x):
        return self.scale * np.tanh(x @ self.W + self.b)

    def penalty(self):
        return np.sum(self.W ** 2)


def model_loss(model, x, y):
    pred = model(x)
    return np.mean((pred - y) ** 2) + 1e-2 * model.penalty()


@dataclass
class OscParams:
    omega: float
    damping: float
    amp: np.ndarray
    name: str = "osc"


def oscillator_fit(p, ts, ys):
    pred = np.exp(-p.damping * ts) * (p.amp[0] * np.cos(p.omega * ts)
                                      + p.amp[1] * np.sin(p.omega * ts))
    r = pred - ys
    return np.dot(r, r)


def make_scaled_loss(scale):
    def loss(x):
        return scale * np.sum(np.sin(x) ** 2)
    return loss


scaled_loss = make_scaled_loss(3.0)


def nested_closure_loss(x, a):
    def inner(v):
        return np.sum(a * v ** 2)
    sq = lambda z: z * z
    return inner(x) + sq(np.sum(x))


def dict_state_rnn(W, xs):
    """State kept in a dict and overwritten key by key at every step."""
    state = {"h": np.zeros(W.shape[0]), "loss": 0.0}
    for x in xs:
        state["h"] = np.tanh(W @ state["h"] + x)
        state["loss"] = state["loss"] + np.sum(state["h"] ** 2)
    return state["loss"]


def discounted_squared_errors(w, X, y, gamma=0.9):
    """enumerate(zip(...)) with a tuple target: a discounted sum of squared errors."""
    tot = 0.0
    for t, (x, target) in enumerate(zip(X, y)):
        tot = tot + gamma ** t * (np.dot(w, x) - target) ** 2
    return tot


def layernorm(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def layernorm_loss(x, gamma, beta):
    y = layernorm(x, gamma, beta)
    return np.sum(np.tanh(y) * np.arange(y.shape[-1]))


def lennard_jones(pos):
    """Pair energy in a double loop with += on a float."""
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r = np.linalg.norm(pos[i] - pos[j])
            e += 1.0 / r ** 12 - 2.0 / r ** 6
    return e


def power_iteration(A, iters=30):
    v = np.ones(A.shape[0])
    for _ in range(iters):
        v = A @ v
        v = v / np.linalg.norm(v)
    return v @ A @ v


def series_until(x):
    """A loop with an early return on the data."""
    acc = 0.0
    for k in range(10):
        acc = acc + math.sin(x * k)
        if acc > 1.5:
            return acc * x
    return acc


def cross_entropy(logits, labels):
    """Log-softmax by hand, the label's entry picked with np.take_along_axis."""
    m = logits.max(axis=1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    picked = np.take_along_axis(logp, labels[:, None], axis=1)
    return -picked.mean()


def l2_over_keys(params):
    total = 0.0
    for name in params:
        total = total + np.sum(params[name] ** 2)
    return total


def l2_over_items(params):
    total = 0.0
    for name, value in params.items():
        total = total + np.sum(value ** 2) * len(name)
    return total


class Polynomial:
    """Coefficients on an object; a method that evaluates the derivative with x ** (k - 1),
    which is 0 ** 0 at the origin for k = 1."""

    def __init__(self, coeffs):
        self.coeffs = coeffs

    def __call__(self, x):
        acc = 0.0 * x
        for c in self.coeffs[::-1]:
            acc = acc * x + c
        return acc

    def slope(self, x):
        acc = 0.0 * x
        for k in range(1, len(self.coeffs)):
            acc = acc + k * self.coeffs[k] * x ** (k - 1)
        return acc


def smooth_fit(poly, xs, ys):
    return np.sum((poly(xs) - ys) ** 2) + 0.1 * np.sum(poly.slope(xs) ** 2)


class Scaler:
    def __init__(self, mu, sigma):
        self.mu = mu
        self.sigma = sigma

    def transform(self, x):
        return (x - self.mu) / self.sigma


class LinearPipeline:
    """An object holding another object: pipe.predict calls pipe.scaler.transform."""

    def __init__(self, scaler, w):
        self.scaler = scaler
        self.w = w

    def predict(self, x):
        return self.scaler.transform(x) @ self.w


def pipeline_loss(pipe, X, y):
    r = pipe.predict(X) - y
    return r @ r + np.sum(np.tanh(X) ** 3)


def rk4_generic(rhs, y, t, dt):
    k1 = rhs(y, t)
    k2 = rhs(y + 0.5 * dt * k1, t + 0.5 * dt)
    k3 = rhs(y + 0.5 * dt * k2, t + 0.5 * dt)
    k4 = rhs(y + dt * k3, t + dt)
    return y + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def damped_oscillator(params, y0):
    """A closure over the parameters, handed to an integrator helper."""
    k, c = params[0], params[1]

    def rhs(y, t):
        return np.array([y[1], -k * y[0] - c * y[1]])

    y = y0
    for i in range(20):
        y = rk4_generic(rhs, y, 0.05 * i, 0.05)
    return y[0]


@s2sad.checkpoint
def heat_step(u, kappa, dt):
    lap = np.zeros_like(u)
    lap[1:-1] = u[:-2] - 2 * u[1:-1] + u[2:]
    return u + dt * kappa * lap


def heat_equation(u0, kappa):
    """A long explicit time loop, checkpointed; each step a checkpointed helper."""
    u = u0
    for _ in s2sad.checkpointed(range(60)):
        u = heat_step(u, kappa, 0.2)
    return np.sum(u ** 2 * np.linspace(0.0, 1.0, len(u)))


def gather_loop(x, idx):
    """Rows of indices gathered in a loop (repeated indices add up)."""
    total = 0.0
    for j in range(len(idx)):
        total = total + np.sum(np.sin(x[idx[j]]) * (j + 1))
    return total

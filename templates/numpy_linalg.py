"""Rules for ``numpy.linalg``.

Tuple results (slogdet, eigh, svd, qr, lstsq) get their gradient as a `Cotangent` (``0.0`` for a
part that got none) and give a tuple as their tangent; the helpers in
`s2sad.runtime_linalg` take both apart. What is not supported raises NotImplementedError
when the derivative runs (see that module).
"""

import numpy as np

from s2sad.rules import adjoint, d, tangent
from s2sad.runtime_linalg import (
    cholesky_adjoint,
    cholesky_jvp,
    det_adjoint,
    det_jvp,
    eigh_adjoint,
    eigh_jvp,
    inv_adjoint,
    inv_jvp,
    linalg_norm_adjoint,
    linalg_norm_jvp,
    lstsq_adjoint,
    lstsq_jvp,
    matrix_power_adjoint,
    matrix_power_jvp,
    pinv_adjoint,
    pinv_jvp,
    qr_adjoint,
    qr_jvp,
    slogdet_adjoint,
    slogdet_jvp,
    solve_adjoint,
    solve_jvp,
    svd_adjoint,
    svd_jvp,
)


@adjoint(np.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    d[x] = linalg_norm_adjoint(d[y], y, x, ord, axis, keepdims)


@tangent(np.linalg.norm)
def norm_tangent(y, x, ord=None, axis=None, keepdims=False):
    d[y] = linalg_norm_jvp(d[x], y, x, ord, axis, keepdims)


@adjoint(np.linalg.inv)
def inv(y, a):
    d[a] = inv_adjoint(d[y], y)


@tangent(np.linalg.inv)
def inv_tangent(y, a):
    d[y] = inv_jvp(d[a], y)


@adjoint(np.linalg.det)
def det(y, a):
    d[a] = det_adjoint(d[y], y, a)


@tangent(np.linalg.det)
def det_tangent(y, a):
    d[y] = det_jvp(d[a], y, a)


@adjoint(np.linalg.slogdet)
def slogdet(y, a):
    d[a] = slogdet_adjoint(d[y], a)


@tangent(np.linalg.slogdet)
def slogdet_tangent(y, a):
    d[y] = slogdet_jvp(d[a], y, a)


@adjoint(np.linalg.solve)
def solve(y, a, b):
    d[a] = solve_adjoint(d[y], a, b, y, 0)
    d[b] = solve_adjoint(d[y], a, b, y, 1)


@tangent(np.linalg.solve)
def solve_tangent(y, a, b):
    d[y] = solve_jvp(y, a, b, d[a], d[b])


@adjoint(np.linalg.matrix_power)
def matrix_power(y, a, n):
    d[a] = matrix_power_adjoint(d[y], a, n)


@tangent(np.linalg.matrix_power)
def matrix_power_tangent(y, a, n):
    d[y] = matrix_power_jvp(y, a, d[a], n)


@adjoint(np.linalg.cholesky)
def cholesky(y, a, *, upper=False):
    d[a] = cholesky_adjoint(d[y], y, upper)


@tangent(np.linalg.cholesky)
def cholesky_tangent(y, a, *, upper=False):
    d[y] = cholesky_jvp(d[a], y, upper)


@adjoint(np.linalg.eigh)
def eigh(y, a, UPLO="L"):
    d[a] = eigh_adjoint(d[y], y, a, UPLO)


@tangent(np.linalg.eigh)
def eigh_tangent(y, a, UPLO="L"):
    d[y] = eigh_jvp(d[a], y, a, UPLO)


@adjoint(np.linalg.svd)
def svd(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    d[a] = svd_adjoint(d[y], y, a, full_matrices, compute_uv, hermitian)


@tangent(np.linalg.svd)
def svd_tangent(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    d[y] = svd_jvp(d[a], y, a, full_matrices, compute_uv, hermitian)


@adjoint(np.linalg.pinv)
def pinv(y, a, rcond=None, hermitian=False, *, rtol=None):
    d[a] = pinv_adjoint(d[y], y, a, hermitian)


@tangent(np.linalg.pinv)
def pinv_tangent(y, a, rcond=None, hermitian=False, *, rtol=None):
    d[y] = pinv_jvp(d[a], y, a, hermitian)


@adjoint(np.linalg.qr)
def qr(y, a, mode="reduced"):
    d[a] = qr_adjoint(d[y], y, a, mode)


@tangent(np.linalg.qr)
def qr_tangent(y, a, mode="reduced"):
    d[y] = qr_jvp(d[a], y, a, mode)


@adjoint(np.linalg.lstsq)
def lstsq(y, a, b, rcond=None):
    d[a] = lstsq_adjoint(d[y], y, a, b, 0)
    d[b] = lstsq_adjoint(d[y], y, a, b, 1)


@tangent(np.linalg.lstsq)
def lstsq_tangent(y, a, b, rcond=None):
    d[y] = lstsq_jvp(d[a], d[b], y, a, b)

"""Gradient surgery: with s2sad.grad_of(h) as dh: ... runs in the adjoint."""

import numpy as np
import pytest

import s2sad

from programs import surgery


def test_clipping_the_gradient_of_an_intermediate():
    x = np.array([0.1, -2.0, 0.5])
    # d/dx sum((3x)^2) = 3 * (2 * 3x); the gradient of h = 3x is clipped to [-1, 1] first
    np.testing.assert_allclose(s2sad.grad(surgery.clipped)(x), 3 * np.clip(18 * x / 3, -1, 1))


def test_plain_python_is_unchanged():
    x = np.array([0.1, -2.0, 0.5])
    assert surgery.clipped(x) == pytest.approx(np.sum((3 * x) ** 2))


def test_logging_sees_the_complete_gradient(capsys):
    assert s2sad.grad(surgery.logged)(0.3) == pytest.approx(2 * np.cos(0.3))
    assert "gradient of h: 2.0" in capsys.readouterr().out


def test_forward_mode_ignores_surgery():
    x = np.array([0.1, -2.0, 0.5])
    _, tangent = s2sad.jvp(surgery.clipped, (x,), (np.ones(3),))
    assert tangent == pytest.approx(np.sum(18 * x))

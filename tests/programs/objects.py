"""Objects holding objects and functions: layers of a model, activations on the instance."""

from dataclasses import dataclass

import numpy as np

from programs import layers


def softplus(z):
    return np.log(1.0 + np.exp(z))


class Dense:
    def __init__(self, W, b, act=np.tanh):
        self.W = W
        self.b = b
        self.act = act  # a function stored on the instance: a rule, or one to transform

    def __call__(self, x):
        return self.act(x @ self.W + self.b)


class Pair:
    """Two layers in attributes: self.first(x) calls another object's __call__."""

    def __init__(self, first, second):
        self.first = first
        self.second = second

    def __call__(self, x):
        return self.second(self.first(x))


class Stack:
    """Layers in a list, run in a loop; the first one also called by index."""

    def __init__(self, layers, scale):
        self.layers = layers
        self.scale = scale

    def head(self, x):
        return self.layers[0](x) * self.scale

    def __call__(self, x):
        h = self.head(x)
        for layer in self.layers[1:]:
            h = layer(h)
        return h


class Residual:
    """A layer in a dict, and a method of the nested object called by name."""

    def __init__(self, inner):
        self.parts = {"inner": inner}

    def __call__(self, x):
        inner = self.parts["inner"]
        return x + inner.act(x @ inner.W)


@dataclass
class Encoder:
    enc: Dense
    dec: Dense
    gain: float = 1.0

    def __call__(self, x):
        return self.dec(self.enc(x)) * self.gain


def loss(model, x):
    return np.sum(model(x) ** 2)


def loss_of_layers(layers_list, x):
    """A list of objects as the parameter."""
    h = x  # (not x itself: see test_jvp_rebinding_parameter_without_tangent)
    for layer in layers_list:
        h = layer(h)
    return np.sum(h * h)


def module_function(x, w):
    """A function reached through a module attribute."""
    return np.sum(layers.dense(x, w) ** 2)


GLOBAL_LAYER = Dense(np.eye(3), np.zeros(3))


def uses_global_layer(x):
    """An object at module level: refused (pass it as an argument instead)."""
    return np.sum(GLOBAL_LAYER(x))


def keyword_model(x, *, model):
    """An object passed as a keyword-only argument."""
    return np.sum(model(x) ** 2)


class Skip:
    """A method of the class of an attribute (self.inner.pre(x)), and a skip connection."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, x):
        return x + np.sin(self.inner.pre(x))


def pre(self, x):
    return x @ self.W + self.b


Dense.pre = pre

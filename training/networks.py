"""Torch building blocks whose whole numeric path exports to ONNX.

A surrogate is ``output = destandardise(MLP(standardise(preprocess(raw features))))``: every
step is a module with fixed buffers, so the exported graph takes the raw physics features and
returns the physics output; nothing (no scaler file) lives outside the bundle.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["Standardize", "Destandardize", "mlp", "Surrogate", "ACTIVATIONS", "count_parameters", "mlp_flops"]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "softplus": nn.Softplus, "relu": nn.ReLU, "selu": nn.SELU, "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU, "silu": nn.SiLU, "tanh": nn.Tanh,
}


class Standardize(nn.Module):
    """(x − μ)/σ with μ, σ fixed buffers (σ of constant columns set to 1)."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        std = torch.where(std > 1e-12, std, torch.ones_like(std))
        self.register_buffer("mean", mean.detach().clone().float())
        self.register_buffer("std", std.detach().clone().float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class Destandardize(nn.Module):
    """y = μ + σ·z."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean.detach().clone().float())
        self.register_buffer("std", std.detach().clone().float())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.mean + self.std * z


def mlp(n_in: int, hidden: Sequence[int], n_out: int, activation: str = "softplus") -> nn.Sequential:
    """Fully connected network, Glorot-uniform weights and zero biases (as published)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)}")
    layers: list[nn.Module] = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, h), ACTIVATIONS[activation]()]
        width = h
    layers.append(nn.Linear(width, n_out))
    for m in layers:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return nn.Sequential(*layers)


class Surrogate(nn.Module):
    """preprocess → standardise → MLP → destandardise, as one exportable module."""

    def __init__(self, preprocess: nn.Module, standardize: Standardize, network: nn.Sequential,
                 destandardize: Destandardize) -> None:
        super().__init__()
        self.preprocess = preprocess
        self.standardize = standardize
        self.network = network
        self.destandardize = destandardize

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.destandardize(self.network(self.standardize(self.preprocess(x))))


def count_parameters(module: nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


def mlp_flops(n_in: int, hidden: Sequence[int], n_out: int) -> int:
    """Multiply–adds × 2 of the dense layers per event (activations not counted)."""
    widths = [n_in, *hidden, n_out]
    return int(sum(2 * a * b for a, b in zip(widths[:-1], widths[1:])))

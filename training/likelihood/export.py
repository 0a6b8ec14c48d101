"""Export a :class:`~.network.LogLikelihoodNet` to a likelihood bundle (two outputs) and check parity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hepsurrogates.models.bundle import ModelBundle, embed_card
from hepsurrogates.models.likelihood.surrogate import GRADIENT_OUTPUT, LOGPDF_OUTPUT

from ..export import ParityError, _quiet_exporter
from .network import LogLikelihoodNet

__all__ = ["export_likelihood_bundle", "parity"]


def parity(net: LogLikelihoodNet, bundle: ModelBundle, x: np.ndarray) -> dict[str, float]:
    """max |torch − onnxruntime| of ln L (absolute) and of its gradient (relative to max(1, |g|))."""
    net.eval()
    with_gradient = net.with_gradient
    net.with_gradient = True
    with torch.no_grad():
        v, g = net(torch.as_tensor(x, dtype=torch.float32))
    net.with_gradient = with_gradient
    out = bundle.run(x.astype(np.float32))
    dv = float(np.max(np.abs(v.numpy() - out[LOGPDF_OUTPUT].reshape(-1))))
    if GRADIENT_OUTPUT not in out:
        return {"logpdf_abs": dv}
    dg = float(np.max(np.abs(g.numpy() - out[GRADIENT_OUTPUT]) / np.maximum(1.0, np.abs(g.numpy()))))
    return {"logpdf_abs": dv, "gradient_rel": dg}


def export_likelihood_bundle(net: LogLikelihoodNet, card: dict[str, Any], path: str | Path, check_inputs: np.ndarray,
                             tolerance: float = 1e-3, opset: int = 18) -> tuple[ModelBundle, dict[str, float]]:
    """Write ``path`` (.onnx with the card embedded) and ``<name>.card.json``; reload it through the
    checks users get and compare torch with onnxruntime on ``check_inputs``. The graph has the
    outputs the card lists: ``logpdf`` and ``grad_logpdf``, or ``logpdf`` alone (a graph half as
    costly per point, for evaluation without fits).

    The tolerance, 1e-3 absolute on ln L, is ~10 float32 ulps of a ln L of a few hundred and
    20× below the accuracy asked of t_μ; the gradient is compared relatively at the same level.

    Raises:
        ParityError: a deviation above ``tolerance``.
    """
    net.eval()
    net.with_gradient = [o["name"] for o in card["outputs"]] == [LOGPDF_OUTPUT, GRADIENT_OUTPUT]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    width = int(card["inputs"]["width"])
    with _quiet_exporter():
        program = torch.onnx.export(
            net, (torch.zeros(4, width),), input_names=[card["inputs"]["name"]],
            output_names=[o["name"] for o in card["outputs"]], dynamic_shapes=({0: torch.export.Dim("n")},),
            opset_version=opset, verbose=False,
        )
    data = embed_card(program.model_proto, card)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    part.replace(path)
    embedded = ModelBundle.from_bytes(data, source=str(path)).card
    path.with_name(path.name.removesuffix(".onnx") + ".card.json").write_text(
        json.dumps(embedded, indent=2, sort_keys=True) + "\n")
    bundle = ModelBundle.load(path, family="likelihood")
    dev = parity(net, bundle, check_inputs)
    net.with_gradient = True
    if max(dev.values()) > tolerance:
        raise ParityError(f"torch and onnxruntime differ: {dev} (tolerance {tolerance:.0e})")
    return bundle, dev

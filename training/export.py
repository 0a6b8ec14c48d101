"""Export a trained torch surrogate to a model bundle (ONNX with embedded card) and check parity."""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hepsurrogates.models.bundle import ModelBundle, embed_card

__all__ = ["export_bundle", "ParityError", "torch_onnx_max_deviation"]


class ParityError(AssertionError):
    """Raised when the exported graph and the torch model disagree beyond tolerance."""


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """The torch.export ONNX exporter warns about its own internals (deprecated pytree helpers,
    optional torchvision ops); none of it concerns the exported model."""
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\..*")
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\..*")
            warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx\..*")
            # raised from copyreg while torch.export copies pytree specs
            warnings.filterwarnings("ignore", message=r".*treespec, LeafSpec.*", category=FutureWarning)
            yield
    finally:
        for lg, lv in zip(loggers, levels):
            lg.setLevel(lv)


def torch_onnx_max_deviation(model: nn.Module, bundle: ModelBundle, x: np.ndarray) -> float:
    """max |torch − onnxruntime| / max(1, |torch|) over the rows of x."""
    with torch.no_grad():
        ref = model(torch.as_tensor(x, dtype=torch.float32)).squeeze(-1).numpy()
    got = bundle.predict(x.astype(np.float32))
    return float(np.max(np.abs(ref - got) / np.maximum(1.0, np.abs(ref)))) if len(x) else 0.0


def export_bundle(
    model: nn.Module,
    card: dict[str, Any],
    path: str | Path,
    check_inputs: np.ndarray,
    tolerance: float = 1e-4,
    opset: int = 18,
) -> ModelBundle:
    """Write ``path`` (.onnx, card embedded) and ``<name>.card.json`` beside it; reload the bundle
    through the same checks users get and verify torch/onnxruntime parity on ``check_inputs``.

    The default tolerance, 1e-4 relative, allows for float32 kernels that differ between torch and
    onnxruntime (transcendental functions, summation order) after de-standardisation to GeV:
    0.1 GeV at 1 TeV, far below any resolution, while any wrong operation or weight is far above.

    Raises:
        ParityError: relative deviation above ``tolerance``.
    """
    model.eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    width = int(card["inputs"]["width"])
    example = torch.zeros(4, width)
    with _quiet_exporter():
        program = torch.onnx.export(
            model, (example,), input_names=[card["inputs"]["name"]],
            output_names=[o["name"] for o in card["outputs"]],
            dynamic_shapes=({0: torch.export.Dim("n")},), opset_version=opset, verbose=False,
        )
    data = embed_card(program.model_proto, card)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    part.replace(path)
    embedded = ModelBundle.from_bytes(data, source=str(path)).card
    path.with_name(path.name.removesuffix(".onnx") + ".card.json").write_text(
        json.dumps(embedded, indent=2, sort_keys=True) + "\n"
    )
    bundle = ModelBundle.load(path)
    deviation = torch_onnx_max_deviation(model, bundle, check_inputs)
    if deviation > tolerance:
        raise ParityError(f"torch and onnxruntime differ by {deviation:.2e} (tolerance {tolerance:.0e})")
    return bundle

"""Write the filesets of the MEM rebuild (``benchmarks/mem/rebuild.sh``) from its generated samples.

    python benchmarks/mem/filesets.py WORKDIR

Training and validation never share a file: tt̄ files 0–3 and DY + jets files 0–11 train, tt̄
file 4 and DY + jets files 12–14 validate (the ROC of the discriminant); the H → ZA grid samples
(seeds 31 and 32) and the seed-13 sample at (261.40, 150.50) train the parametric model, the seed-41 sample at that
point is the pseudo-dataset of the likelihood scan (taught in the same run, left out of the
training fileset).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _sub(spec: dict, files: list[str]) -> dict:
    return {"files": {f: "Events" for f in files}, "metadata": spec.get("metadata", {})}


def _name(spec: dict, suffix: str) -> str:
    o = spec["metadata"]["options"]
    return f"hza_{o['mH']:.2f}_{o['mA']:.2f}_{suffix}".replace(".", "p")


def main(work: str) -> int:
    w = Path(work)
    tt = _load(w / "tt_s11/fileset.json")["ttbar_dilepton"]
    dy = _load(w / "dyj_s14/fileset.json")["dy_ll"]
    tf, df = sorted(tt["files"]), sorted(dy["files"])
    out = {
        "fileset_tt_train.json": {"ttbar_dilepton": _sub(tt, tf[:4])},
        "fileset_dyj_train.json": {"dy_ll": _sub(dy, df[:12])},
        "fileset_ttdy_train.json": {"ttbar_dilepton": _sub(tt, tf[:4]), "dy_ll": _sub(dy, df[:12])},
        "fileset_ttdy_val.json": {"ttbar_dilepton": _sub(tt, tf[4:5]), "dy_ll": _sub(dy, df[12:])},
    }
    main_hza = {}
    for d in sorted(w.glob("hza_*/fileset.json")):
        spec = _load(d)["hza_llbb"]
        main_hza[_name(spec, "s13")] = spec
    out["fileset_hza_main.json"] = main_hza
    pseudo_path = w / "scan/hza_261.40_150.50_s41/fileset.json"
    pseudo = {"hza_pseudo_261p40_150p50_s41": _load(pseudo_path)["hza_llbb"]}
    train = {"hza_261p40_150p50_s13": _load(w / "hza_261.40_150.50/fileset.json")["hza_llbb"]}
    grids = [str(w / "hza_261.40_150.50/fileset.json")]
    for d in sorted(w.glob("scan/hza_*_s31/fileset.json")):
        spec = _load(d)["hza_llbb"]
        train[_name(spec, "s31")] = spec
        grids.append(str(d))
    out["fileset_hza_train.json"] = train
    # a second, independent grid (seed 32, all 21 points): more events per mass point for H -> ZA
    train32 = {
        _name(_load(d)["hza_llbb"], "s32"): _load(d)["hza_llbb"] for d in sorted(w.glob("scan/hza_*_s32/fileset.json"))
    }
    if train32:
        out["fileset_hza_train32.json"] = train32
    out["fileset_hza_pseudo.json"] = pseudo
    out["fileset_hza_teach.json"] = {**pseudo, **train}  # the pseudo-data first: the scan needs it
    for name, fs in out.items():
        (w / name).write_text(json.dumps(fs, indent=1) + "\n")
    (w / "hza_grid_filesets.json").write_text(json.dumps(grids, indent=1) + "\n")
    points = sorted({(s["metadata"]["options"]["mH"], s["metadata"]["options"]["mA"]) for s in train.values()})
    (w / "hza_points.txt").write_text(" ".join(f"--hza-point {h:.2f},{a:.2f}" for h, a in points) + "\n")
    print(json.dumps({k: list(v) for k, v in out.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "mem_work"))

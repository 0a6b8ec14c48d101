"""Resolve a teacher name or workspace file to a likelihood teacher (the toy, or a pyhf workspace)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hepsurrogates.datasets.teachers.likelihood.toy import ToyCategories, ToyLikelihood
from hepsurrogates.datasets.teachers.likelihood.workspace import WorkspaceLikelihood, workspace_sha256
from hepsurrogates.exceptions import MissingInputFileError

__all__ = ["resolve_teacher", "teacher_description"]

#: the name of the exact 1809.05548 toy
TOY = "toy"


def resolve_teacher(teacher: str, measurement: str | None = None) -> Any:
    """``"toy"``: the exact 1809.05548 toy; otherwise a pyhf workspace JSON file.

    Raises:
        MissingInputFileError: neither ``"toy"`` nor an existing file.
        SchemaError: the file is not a valid pyhf workspace.
    """
    if teacher == TOY:
        return ToyLikelihood.load()
    if not Path(teacher).is_file():
        raise MissingInputFileError(f"likelihood teacher {teacher!r} is neither 'toy' nor an existing pyhf "
                                    f"workspace file")
    return WorkspaceLikelihood.from_file(teacher, measurement=measurement)


def teacher_description(teacher: Any) -> dict[str, Any]:
    """What the card records about the likelihood: kind, source and sha256 of the workspace."""
    if isinstance(teacher, ToyLikelihood):
        from hepsurrogates.datasets.teachers.likelihood.toy_workspace import toy_workspace_spec

        return {"kind": "toy_1809_05548", "source": teacher.source,
                "workspace_sha256": workspace_sha256(toy_workspace_spec(teacher)),
                "workspace_note": "sha256 of the toy's pyhf workspace (toy_workspace_spec); the surrogate learns the "
                                  "exact toy, which equals that workspace where PHYSICS.md §5 says it can"}
    if isinstance(teacher, ToyCategories):
        from hepsurrogates.datasets.teachers.likelihood.toy_workspace import toy_workspace_spec

        return {"kind": "toy_1809_05548_categories", "categories": list(teacher.categories), "source": teacher.source,
                "workspace_sha256": workspace_sha256(toy_workspace_spec(teacher.toy, teacher.bins))}
    return {"kind": "pyhf_workspace", "source": teacher.source, "workspace_sha256": teacher.sha256,
            "modifier_settings": teacher.modifier_settings or {}}

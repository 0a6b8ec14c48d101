"""Training configurations as dataclasses read from JSON: one reader for every family.

A family's ``<Family>TrainConfig`` is a dataclass that inherits :class:`JsonConfig`; its settings
come from ``hepsurrogates train <family> --config FILE`` (a JSON object whose keys are the
dataclass's fields). Unknown keys are refused (a typo must not silently fall back to a default),
values that need converting (nested specs) go through :meth:`JsonConfig.convert`, and
:meth:`JsonConfig.validate` checks the values and names the file in its message.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Demo(JsonConfig):
    ...     epochs: int = 10
    >>> Demo.from_dict({"epochs": 3}).epochs
    3
    >>> Demo.from_dict({"epoch": 3}, "demo.json")
    Traceback (most recent call last):
    ...
    hepsurrogates.exceptions.InvalidArgumentError: demo.json: unknown config keys ['epoch']; known: ['epochs']
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

from hepsurrogates.exceptions import InvalidArgumentError, SchemaError
from hepsurrogates.jsonout import load_json

__all__ = ["JsonConfig"]

C = TypeVar("C", bound="JsonConfig")


class JsonConfig:
    """``from_dict`` / ``from_json`` / ``to_dict`` for a dataclass of training settings."""

    @classmethod
    def convert(cls, kwargs: dict[str, Any], source: str) -> dict[str, Any]:
        """Turn raw JSON values into field values (default: unchanged); raise naming ``source``."""
        return kwargs

    @classmethod
    def from_dict(cls: type[C], raw: dict[str, Any], source: str = "<config>") -> C:
        """The configuration from a mapping of settings, validated.

        Raises:
            InvalidArgumentError: an unknown key, or a value :meth:`validate` refuses.
        """
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InvalidArgumentError(f"{source}: unknown config keys {unknown}; known: {sorted(known)}")
        try:
            cfg = cls(**cls.convert(dict(raw), source))
        except TypeError as err:
            raise InvalidArgumentError(f"{source}: {err}") from None
        cfg.validate(source)
        return cfg

    @classmethod
    def from_json(cls: type[C], path: str | Path) -> C:
        """The configuration from a JSON file.

        Raises:
            MissingInputFileError: the file does not exist.
            SchemaError: it is not a JSON object.
        """
        raw = load_json(path, "training config")
        if not isinstance(raw, dict):
            raise SchemaError(f"{path}: expected a JSON object of settings")
        return cls.from_dict(raw, str(path))

    @classmethod
    def from_option(cls: type[C], path: str | Path | None) -> C:
        """The configuration of ``--config path``, or the defaults (the published settings) without one."""
        return cls.from_json(path) if path else cls()

    def validate(self, source: str = "<config>") -> None:
        """Check the values (default: nothing to check)."""

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON types (what the card's ``training.config`` records)."""
        return asdict(self)  # type: ignore[call-overload]

    def to_json(self, path: str | Path) -> Path:
        """Write the settings to ``path`` (readable back by :meth:`from_json`)."""
        p = Path(path)
        p.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return p

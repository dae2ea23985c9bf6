"""Validate request bodies against LINE's official OpenAPI spec, discriminators made explicit."""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator

logger = logging.getLogger(__name__)

SPEC_DIR_ENV = "GROUPBUY_LINE_OPENAPI_DIR"
_BASE_SUFFIX = "__base"


_VENDORED = Path(__file__).resolve().parent / "line-openapi"  # a copy shipped with the code (Apache-2.0, LICENSE there)


def default_spec_path() -> Path:
    """Return where messaging-api.yml is looked for (the env var, else the copy beside this module).

    The copy travels with every clone, so a checkout anywhere (CI's clean clone included) validates against it.
    """
    configured = os.environ.get(SPEC_DIR_ENV)
    return (Path(configured) if configured else _VENDORED) / "messaging-api.yml"


def explicit_discriminators(schemas: dict[str, Any]) -> dict[str, Any]:
    """Rewrite each discriminated base schema into explicit `type` → subtype implications.

    The spec says `Message` has `discriminator: {propertyName: type, mapping: {text: TextMessage, ...}}` and
    `TextMessage` is `allOf: [Message, {...}]`. A JSON-schema validator ignores the discriminator, so a
    `{"type": "text"}` without `text` would pass as a plain `Message`. We keep the base as `Message__base`
    (what subtypes extend) and make `Message` = base AND type in mapping AND, for each value v,
    (type != v) OR subtype(v).
    """
    out = copy.deepcopy(schemas)
    for name, schema in schemas.items():
        disc = schema.get("discriminator")
        if not disc or "mapping" not in disc:
            continue
        prop = disc["propertyName"]
        base = {k: v for k, v in copy.deepcopy(schema).items() if k != "discriminator"}
        out[name + _BASE_SUFFIX] = base
        base_ref = f"#/components/schemas/{name}"
        for target_ref in disc["mapping"].values():
            target = out[target_ref.rsplit("/", 1)[-1]]
            for part in target.get("allOf", []):
                if part.get("$ref") == base_ref:
                    part["$ref"] = base_ref + _BASE_SUFFIX
        implications = [
            {"anyOf": [{"not": {"properties": {prop: {"enum": [value]}}}}, {"$ref": target_ref}]}
            for value, target_ref in disc["mapping"].items()
        ]
        out[name] = {
            "allOf": [
                {"$ref": base_ref + _BASE_SUFFIX},
                {"required": [prop], "properties": {prop: {"enum": list(disc["mapping"])}}},
                *implications,
            ]
        }
    return out


class OpenApiValidator:
    """Check JSON bodies against request schemas of one OpenAPI document."""

    def __init__(self, spec: dict[str, Any], *, rewrite_discriminators: bool = True) -> None:
        """Prepare the schemas of `spec` (discriminators made explicit unless told not to)."""
        schemas = spec["components"]["schemas"]
        self._components = {"schemas": explicit_discriminators(schemas) if rewrite_discriminators else schemas}
        self._paths = spec.get("paths", {})

    @classmethod
    def from_file(cls, path: Path) -> OpenApiValidator:
        """Load a spec from a YAML file."""
        with path.open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh))

    def request_schema_ref(self, path: str, method: str = "post") -> str | None:
        """Return the `$ref` of the JSON request body schema of an operation, if any."""
        op = self._paths.get(path, {}).get(method, {})
        content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        ref = content.get("schema", {}).get("$ref")
        return ref if isinstance(ref, str) else None

    def errors(self, schema_ref: str, body: Any) -> list[dict[str, str]]:
        """Return LINE-style error details for `body` against `schema_ref` (empty if valid)."""
        root = {"components": self._components, "allOf": [{"$ref": schema_ref}]}
        validator = OAS30Validator(root)
        details: list[dict[str, str]] = []
        for err in _leaf_errors(validator.iter_errors(body)):
            message = err.message
            if len(message) > 200:
                message = f"failed {err.validator}: {err.validator_value}"
            detail = {"message": message, "property": _property(err.absolute_path)}
            if detail not in details:
                details.append(detail)
        return details


def _leaf_errors(errors: Iterator[Any]) -> Iterator[Any]:
    """Yield the most specific errors (descend into anyOf/allOf contexts)."""
    for err in errors:
        if err.context:
            best = [e for e in err.context if e.validator != "not"]
            yield from _leaf_errors(iter(best or err.context))
        else:
            yield err


def _property(path: Any) -> str:
    """Render a JSON path like LINE does: `messages[0].text`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@lru_cache(maxsize=4)
def _load(path: Path) -> OpenApiValidator | None:
    """Load (once) the spec at `path`, or None if it is missing."""
    if not path.is_file():
        logger.info("LINE OpenAPI spec not found at %s; only SDK-model validation runs", path)
        return None
    return OpenApiValidator.from_file(path)


def default_validator() -> OpenApiValidator | None:
    """Return the validator for the default spec location, or None when absent."""
    return _load(default_spec_path())

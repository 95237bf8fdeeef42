"""Pydantic models of the Data Package v2 and Table Schema v2 descriptors.

Unknown keys are errors: frictionless accepts a typo such as `contraints` silently, which would
drop every constraint of the field without a word. Everything a hostile descriptor could use to
crash or stall a reader is refused here, once, for every reader: unsafe paths, duplicate names,
keys that name nothing, numeric constraints that are not numbers, and patterns that do not compile
or could backtrack for ever."""

from __future__ import annotations

import math
import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Iterator
from typing import Any, Literal, get_args

import re2
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scripts.package.read import unsafe_path_reason

SEMVER = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
NAME = r"^[a-z0-9._-]+$"
FieldType = Literal[
    "string", "number", "integer", "boolean", "object", "array", "list", "date", "time", "datetime",
    "year", "yearmonth", "duration", "geopoint", "geojson", "any",
]  # fmt: skip


PROFILES = "https://datapackage.org/profiles/2.0/"  # standard profiles are known, never fetched
RESERVED_FIELD = "_row"  # the staging load's row number column
# What DuckDB (rowid) and SQLite (all three) call a row's id: a column of that name would hide it
# from the staging view's row numbers and from the search index, which both read it.
ROW_ID_NAMES = ("rowid", "oid", "_rowid_")
MAX_FIELDS = 1000  # SQLite allows 2,000 columns; no table here comes near


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def keys_at(model: type[Strict], location: tuple[Any, ...]) -> list[str]:
    """The keys a JSON object may have at `location` (a pydantic error's loc, ending in the key) of a
    document that `model` reads: for naming the key that an unknown one was likely meant to be."""
    for part in location[:-1]:
        if isinstance(part, int):
            continue  # an item of a list: the same model
        field = model.model_fields.get(part) or next((f for f in model.model_fields.values() if f.alias == part), None)
        inner = _model_in(field.annotation) if field else None
        if inner is None:
            return []
        model = inner
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_in(annotation: Any) -> type[Strict] | None:
    """The Strict model an annotation holds (`list[SchemaField]`, `str | TableSchema | None`), if any."""
    if isinstance(annotation, type) and issubclass(annotation, Strict):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _safe_path(path: str | None) -> str | None:
    reason = unsafe_path_reason(path) if path is not None else None
    if reason:
        raise ValueError(f"path {reason}")
    return path


def _as_list(value: str | list[str] | None) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def backtracking_hazard(pattern: str) -> bool:
    """True if the pattern repeats, without bound, something that itself repeats without bound,
    such as ^(a+)+$: Python's backtracking engine (frictionless's) can take exponential time on it."""

    def unbounded_depth(parsed: Any) -> int:
        deepest = 0
        for op, argument in parsed:
            if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                _, high, body = argument
                deepest = max(deepest, unbounded_depth(body) + (high == sre.MAXREPEAT))
            elif op is sre.SUBPATTERN:
                deepest = max(deepest, unbounded_depth(argument[-1]))
            elif op is sre.BRANCH:
                deepest = max([deepest, *(unbounded_depth(branch) for branch in argument[1])])
        return deepest

    return unbounded_depth(sre_parse.parse(pattern)) > 1


def check_pattern(pattern: str) -> str:
    """A pattern that Python's engine and RE2 (the validator's, linear in time) both compile."""
    try:
        re.compile(pattern)
        re2.compile(pattern)
    except (re.error, re2.error) as error:
        raise ValueError(f"pattern does not compile: {error}") from None
    if backtracking_hazard(pattern):
        raise ValueError("pattern nests unbounded repetitions (as in (a+)+), which can backtrack for ever")
    return pattern


class License(Strict):
    name: str | None = None
    path: str | None = None
    title: str | None = None


class Contributor(Strict):
    title: str | None = None
    givenName: str | None = None
    familyName: str | None = None
    path: str | None = None
    email: str | None = None
    roles: list[str] = []
    organization: str | None = None


class Source(Strict):
    title: str
    path: str | None = None
    email: str | None = None
    version: str | None = None


class Constraints(Strict):
    required: bool | None = None
    unique: bool | None = None
    minLength: int | None = None
    maxLength: int | None = None
    minimum: int | float | str | None = None
    maximum: int | float | str | None = None
    exclusiveMinimum: int | float | str | None = None
    exclusiveMaximum: int | float | str | None = None
    pattern: str | None = None
    enum: list[Any] | None = None
    jsonSchema: dict[str, Any] | None = None

    @field_validator("pattern")
    @classmethod
    def pattern_compiles_safely(cls, pattern: str | None) -> str | None:
        return None if pattern is None else check_pattern(pattern)


class SchemaField(Strict):
    name: str
    type: FieldType = "any"
    format: str | None = None
    title: str | None = None
    description: str | None = None
    example: Any = None
    rdfType: str | None = None
    constraints: Constraints | None = None
    missingValues: list[str] | None = None
    delimiter: str | None = None
    itemType: str | None = None
    categories: list[Any] | None = None
    categoriesOrdered: bool | None = None
    groupChar: str | None = None
    decimalChar: str | None = None
    bareNumber: bool | None = None
    trueValues: list[str] | None = None
    falseValues: list[str] | None = None

    @model_validator(mode="after")
    def numeric_bounds_are_numbers(self) -> SchemaField:
        """minimum and its kin of an integer or number field are finite numbers ("abc", NaN and 1e400 are not)."""
        if self.type in ("integer", "number") and self.constraints:
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                bound = getattr(self.constraints, key)
                if bound is not None and (
                    isinstance(bound, (str, bool)) or not math.isfinite(bound) or abs(bound) > 2**53
                ):
                    raise ValueError(f"constraint {key} of a {self.type} field must be a finite number")
        return self


class Reference(Strict):
    resource: str | None = None
    fields: str | list[str] = Field(min_length=1)


class ForeignKey(Strict):
    fields: str | list[str] = Field(min_length=1)
    reference: Reference


KEYS_NAME_MISSING_FIELDS = "keys name fields that the schema does not have"


def missing_key_fields(schema: object) -> Iterator[tuple[str, str, list[str]]]:
    """(where the key is, e.g. foreignKeys.0.fields; the field it names that the schema does not have;
    the schema's fields) of a Table Schema as read from JSON, whatever else is wrong with it."""
    if not isinstance(schema, dict):
        return
    fields = schema.get("fields") if isinstance(schema.get("fields"), list) else []
    known = [f["name"] for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)]
    keys: list[tuple[str, object]] = [("primaryKey", schema.get("primaryKey"))]
    unique_keys, foreign_keys = schema.get("uniqueKeys"), schema.get("foreignKeys")
    keys += [(f"uniqueKeys.{i}", key) for i, key in enumerate(unique_keys if isinstance(unique_keys, list) else [])]
    keys += [
        (f"foreignKeys.{i}.fields", key.get("fields"))
        for i, key in enumerate(foreign_keys if isinstance(foreign_keys, list) else [])
        if isinstance(key, dict)
    ]
    for location, key in keys:
        for name in [key] if isinstance(key, str) else key if isinstance(key, list) else []:
            if isinstance(name, str) and name not in known:
                yield location, name[:200], known


class TableSchema(Strict):
    schema_: Literal[f"{PROFILES}tableschema.json"] | None = Field(None, alias="$schema")
    fields: list[SchemaField] = Field(min_length=1, max_length=MAX_FIELDS)
    fieldsMatch: str | None = None
    primaryKey: str | list[str] | None = None
    uniqueKeys: list[list[str] | str] | None = None
    foreignKeys: list[ForeignKey] = []
    missingValues: list[str] | None = None

    @model_validator(mode="after")
    def field_names_are_distinct(self) -> TableSchema:
        """Distinct ignoring case, as SQL column names are; the staging row column and the row ids are reserved."""
        seen: set[str] = set()
        for field in self.fields:
            if not field.name or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in field.name):
                raise ValueError("a field name is a non-empty string without control characters or lone surrogates")
            key = field.name.casefold()
            if key in seen or key == RESERVED_FIELD or key in ROW_ID_NAMES:
                raise ValueError(f"field name {field.name[:200]!r} is repeated or reserved")
            seen.add(key)
        return self

    @model_validator(mode="after")
    def keys_name_existing_fields(self) -> TableSchema:
        names = {f.name for f in self.fields}
        unique_keys = [_as_list(key) for key in self.uniqueKeys or []]
        if any(not key for key in unique_keys):
            raise ValueError("a unique key names at least one field")
        named = _as_list(self.primaryKey) + [n for key in unique_keys for n in key]
        named += [n for fk in self.foreignKeys for n in _as_list(fk.fields)]
        missing = sorted(set(named) - names)
        if missing:
            raise ValueError(f"{KEYS_NAME_MISSING_FIELDS}: {', '.join(missing)[:200]}")
        for fk in self.foreignKeys:
            if len(_as_list(fk.fields)) != len(_as_list(fk.reference.fields)):
                raise ValueError("a foreign key names as many fields as its reference names")
        return self


class Resource(Strict):
    schema_: Literal[f"{PROFILES}dataresource.json"] | None = Field(None, alias="$schema")
    name: str = Field(pattern=NAME)
    type: Literal["table"] | None = None
    path: str
    title: str | None = None
    description: str | None = None
    homepage: str | None = None
    format: str | None = None
    mediatype: str | None = None
    encoding: str | None = None
    bytes: int | None = None
    hash: str | None = None
    sources: list[Source] | None = None
    licenses: list[License] | None = None
    dialect: str | dict[str, Any] | None = None
    schema_ref: str | TableSchema | None = Field(None, alias="schema")

    @model_validator(mode="after")
    def tables_have_schemas(self) -> Resource:
        # Only a release's derived files (annotations.jsonld and its context) are not tables.
        if self.schema_ref is None and self.format != "jsonld":
            raise ValueError("a table resource needs a schema (only a JSON-LD file may have none)")
        return self

    @field_validator("path")
    @classmethod
    def path_is_inside_the_package(cls, path: str) -> str:
        return _safe_path(path) or path

    @field_validator("schema_ref", "dialect")
    @classmethod
    def reference_is_inside_the_package(cls, value: Any) -> Any:
        return _safe_path(value) if isinstance(value, str) else value


class Package(Strict):
    schema_: Literal[f"{PROFILES}datapackage.json"] | None = Field(None, alias="$schema")
    name: str = Field(pattern=NAME)
    id: str | None = None
    title: str | None = None
    description: str | None = None
    homepage: str | None = None
    version: str = Field(pattern=SEMVER)
    created: str | None = None
    keywords: list[str] | None = None
    image: str | None = None
    licenses: list[License] = Field(min_length=1)
    contributors: list[Contributor] | None = None
    sources: list[Source] | None = None
    resources: list[Resource] = Field(min_length=1)
    # This project's own property: the figures.measure that the site charts (read.HEADLINE_MEASURE).
    headlineMeasure: str | None = None

    @model_validator(mode="after")
    def resource_names_are_not_sqlites(self) -> Package:
        taken = sorted(r.name for r in self.resources if r.name.startswith("sqlite_"))
        if taken:
            raise ValueError(f"names beginning with sqlite_ are SQLite's own: {', '.join(taken)[:200]}")
        return self

    @model_validator(mode="after")
    def resource_names_are_unique(self) -> Package:
        names = [r.name for r in self.resources]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"resource names must be unique: {', '.join(repeated)[:200]} repeated")
        return self


def foreign_key_problems(
    schemas: dict[str, TableSchema], unread: set[str] | None = None
) -> Iterator[tuple[str, int, str]]:
    """(resource, index of the foreign key, message) for every foreign key that names a resource
    or a field that does not exist. A resource in `unread` exists but its schema could not be read:
    that is reported where it is wrong, not again at every key that names the resource."""
    for name, schema in schemas.items():
        for index, fk in enumerate(schema.foreignKeys):
            target = fk.reference.resource or name
            if target in (unread or set()):
                continue
            if target not in schemas:
                yield name, index, f"references resource {target[:200]!r}, which the package does not have"
                continue
            known = {f.name for f in schemas[target].fields}
            referenced = _as_list(fk.reference.fields)
            missing = [f for f in referenced if f not in known]
            if missing:
                yield name, index, f"references {', '.join(missing)[:200]}, which {target} does not have"
            elif not _is_unique_key(schemas[target], referenced):
                message = f"references {', '.join(referenced)[:200]}, which is not a primary or unique key of {target}"
                yield name, index, message


def _is_unique_key(schema: TableSchema, fields: list[str]) -> bool:
    """A foreign key must name the primary key, a unique key or a unique field of its target."""
    keys = [_as_list(schema.primaryKey), *(_as_list(k) for k in schema.uniqueKeys or [])]
    keys += [[f.name] for f in schema.fields if f.constraints and f.constraints.unique]
    return any(sorted(key) == sorted(fields) for key in keys if key)

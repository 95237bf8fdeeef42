"""Pydantic models of the Data Package v2 and Table Schema v2 descriptors.

Unknown keys are errors: frictionless accepts a typo such as `contraints` silently, which would
drop every constraint of the field without a word."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
NAME = r"^[a-z0-9._-]+$"
FieldType = Literal[
    "string", "number", "integer", "boolean", "object", "array", "list", "date", "time", "datetime",
    "year", "yearmonth", "duration", "geopoint", "geojson", "any",
]  # fmt: skip


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


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


class Reference(Strict):
    resource: str | None = None
    fields: str | list[str]


class ForeignKey(Strict):
    fields: str | list[str]
    reference: Reference


class TableSchema(Strict):
    schema_: str | None = Field(None, alias="$schema")
    fields: list[SchemaField] = Field(min_length=1)
    fieldsMatch: str | None = None
    primaryKey: str | list[str] | None = None
    uniqueKeys: list[list[str]] | None = None
    foreignKeys: list[ForeignKey] = []
    missingValues: list[str] | None = None

    @model_validator(mode="after")
    def keys_name_existing_fields(self) -> TableSchema:
        names = {f.name for f in self.fields}
        as_list = lambda v: [v] if isinstance(v, str) else list(v or [])  # noqa: E731
        named = as_list(self.primaryKey) + [n for fk in self.foreignKeys for n in as_list(fk.fields)]
        missing = sorted(set(named) - names)
        if missing:
            raise ValueError(f"keys name fields that the schema does not have: {', '.join(missing)}")
        return self


class Resource(Strict):
    schema_: str | None = Field(None, alias="$schema")
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
    schema_ref: str | TableSchema = Field(alias="schema")


class Package(Strict):
    schema_: str | None = Field(None, alias="$schema")
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

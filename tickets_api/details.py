"""Per-category ticket details, validated by the category's schema.

Asset check-in/out tickets describe the asset; budget proposals carry cost items. Other
categories take no details. The schema applied comes from the catalogue (details_kind).
Each field carries the label people read (``metadata["label"]``): the web UI shows a
ticket's details with these, never the key names.
"""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class AssetDetails(Schema):
    asset_name = fields.Str(
        required=True, validate=validate.Length(min=1, max=200), metadata={"label": "Asset name"}
    )
    serial_number = fields.Str(
        load_default=None, validate=validate.Length(max=100), metadata={"label": "Serial number"}
    )
    location = fields.Str(
        load_default=None, validate=validate.Length(max=200), metadata={"label": "Location"}
    )
    expected_return = fields.Date(load_default=None, metadata={"label": "Expected return"})


class CostItem(Schema):
    description = fields.Str(
        required=True, validate=validate.Length(min=1, max=200), metadata={"label": "Description"}
    )
    amount = fields.Decimal(
        required=True,
        places=2,
        as_string=True,
        validate=validate.Range(min=0),
        metadata={"label": "Amount"},
    )


class BudgetDetails(Schema):
    cost_items = fields.List(
        fields.Nested(CostItem),
        required=True,
        validate=validate.Length(min=1),
        metadata={"label": "Cost items"},
    )
    requested_amount = fields.Decimal(
        required=True,
        places=2,
        as_string=True,
        validate=validate.Range(min=0),
        metadata={"label": "Requested amount"},
    )
    fiscal_year = fields.Int(
        required=True,
        validate=validate.Range(min=2000, max=date.today().year + 5),
        metadata={"label": "Fiscal year"},
    )

    @validates_schema
    def amount_matches_items(self, data, **_):
        items = data.get("cost_items") or []
        total = sum(item["amount"] for item in items)
        if items and "requested_amount" in data and total != data["requested_amount"]:
            raise ValidationError(
                f"must equal the sum of the cost items ({total})", field_name="requested_amount"
            )


SCHEMAS: dict[str, type[Schema]] = {"asset": AssetDetails, "budget": BudgetDetails}


def validate_details(kind: str | None, details: dict | None) -> dict:
    """The cleaned details for a category kind; raises ValidationError keyed by field."""
    if kind is None:
        if details:
            raise ValidationError({"details": ["this category takes no details"]})
        return {}
    try:
        loaded = SCHEMAS[kind]().load(details or {})
    except ValidationError as error:
        raise ValidationError({"details": error.messages}) from None
    # Stored as JSON: dates and decimals as strings, exactly as the schema dumps them.
    return SCHEMAS[kind]().dump(loaded)


# Every kind's fields, in the order the forms ask for them: a stored ticket's details are
# shown in this order (JSONB keeps no key order of its own).
_ALL_FIELDS: dict[str, fields.Field] = {
    name: field for schema in SCHEMAS.values() for name, field in schema().fields.items()
}


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _label(name: str, field: fields.Field | None) -> str:
    if field is not None and "label" in field.metadata:
        return field.metadata["label"]
    return name.replace("_", " ").capitalize()


def _rows(known: dict[str, fields.Field], values: dict) -> list[dict]:
    rows = []
    # Known fields first, in their order; then any key no schema names (kept, not hidden).
    names = [name for name in known if name in values]
    names += [name for name in values if name not in known]
    for name in names:
        value, field = values[name], known.get(name)
        if _is_empty(value):
            continue  # an optional field left blank is not worth a line saying "null"
        if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            inner = field.inner.schema.fields
            value = [_rows(inner, item) for item in value if isinstance(item, dict)]
        rows.append({"name": name, "label": _label(name, field), "value": value})
    return rows


def labelled(details: dict | None) -> list[dict]:
    """A ticket's details as people read them: ``{name, label, value}`` per filled field,
    in the form's order. A list of items (cost items) has, as its value, one such list
    per item."""
    return _rows(_ALL_FIELDS, details or {})

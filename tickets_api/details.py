"""Per-category ticket details, validated by the category's schema.

Asset check-in/out tickets describe the asset; budget proposals carry cost items. Other
categories take no details. The schema applied comes from the catalogue (details_kind).
"""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class AssetDetails(Schema):
    asset_name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    serial_number = fields.Str(load_default=None, validate=validate.Length(max=100))
    location = fields.Str(load_default=None, validate=validate.Length(max=200))
    expected_return = fields.Date(load_default=None)


class CostItem(Schema):
    description = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    amount = fields.Decimal(required=True, places=2, as_string=True, validate=validate.Range(min=0))


class BudgetDetails(Schema):
    cost_items = fields.List(
        fields.Nested(CostItem), required=True, validate=validate.Length(min=1)
    )
    requested_amount = fields.Decimal(
        required=True, places=2, as_string=True, validate=validate.Range(min=0)
    )
    fiscal_year = fields.Int(
        required=True, validate=validate.Range(min=2000, max=date.today().year + 5)
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

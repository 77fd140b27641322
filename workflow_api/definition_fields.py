"""marshmallow fields that read definition JSON as drafts have always been read.

Admins type drafts by hand and they are stored as they came, so loose values are read the
way the first validator read them (a stored draft or version keeps its meaning): text is
any value's ``str``, a flag is any value's truthiness, a number is a JSON number and
nothing else, and an empty value (null, 0, "", [], {}) of text, a flag, a list or the
calendar means that none was given.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, missing

from workflow_api.business_hours import BusinessCalendar


class EmptyIsAbsent:
    """A field mixin: an empty value reads as no value (its default, or "required").
    It acts before marshmallow's own handling of null, which would otherwise refuse it."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        return super().deserialize(value if value else missing, attr, data, **kwargs)


class Text(EmptyIsAbsent, fields.Field):
    """Any value as its text, cut to ``max_length``; ``""`` when empty."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(load_default="", **kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return str(value)[: self.max_length]


class Flag(EmptyIsAbsent, fields.Field):
    """Any value by its truthiness (so the string "false" is true, as it always was for a
    stored draft); false when empty."""

    def __init__(self, **kwargs):
        super().__init__(load_default=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        return bool(value)


class BoundedNumber(fields.Field):
    """A JSON number in (0, ``limit``], kept as given. Not ``fields.Number``, which would
    also take "2" and true; NaN and infinities fail the bounds."""

    def __init__(self, limit: float, message: str, **kwargs):
        every_failure = {"required": message, "null": message, "invalid": message}
        super().__init__(error_messages=every_failure, **kwargs)
        self.limit = limit

    def _deserialize(self, value, attr, data, **kwargs) -> int | float:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (number and 0 < value <= self.limit):
            raise self.make_error("invalid")
        return value


class Calendar(EmptyIsAbsent, fields.Field):
    """A business calendar in its JSON form (``BusinessCalendar.from_dict`` says which);
    its own error says what is wrong."""

    def _deserialize(self, value, attr, data, **kwargs) -> BusinessCalendar:
        try:
            return BusinessCalendar.from_dict(value)
        except (ValueError, TypeError) as error:
            raise ValidationError(str(error)) from error

    def _serialize(self, value: BusinessCalendar, attr, obj, **kwargs) -> dict:
        return value.to_dict()


class ItemsInPlace(EmptyIsAbsent, fields.List):
    """A list whose items keep their places when some fail: a failed item stays as what
    did load of it (or None), so checks across items still name each one by its index."""

    def _deserialize(self, value, attr, data, **kwargs) -> list:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        loaded, errors = [], {}
        for index, item in enumerate(value):
            try:
                loaded.append(self.inner.deserialize(item, **kwargs))
            except ValidationError as error:
                loaded.append(error.valid_data)
                errors[index] = error.messages
        if errors:
            raise ValidationError(errors, valid_data=loaded)
        return loaded

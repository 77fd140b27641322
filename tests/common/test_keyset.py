"""Opaque keyset cursors: what a service hands out decodes back; anything else is a 422."""

import pytest

from common.keyset import BadCursor, decode_cursor, encode_cursor


def _pair(parts: list) -> tuple[str, int]:
    name, number = parts
    if type(number) is not int:
        raise TypeError("number")
    return name, number


def test_a_cursor_decodes_to_the_key_it_was_made_from():
    cursor = encode_cursor("created_at", 42)
    assert "=" not in cursor  # unpadded: safe in a query string as it is
    assert decode_cursor(cursor, _pair, "bad") == ("created_at", 42)


@pytest.mark.parametrize(
    "cursor",
    ["", "!!!", "bm90IGpzb24", encode_cursor("a"), encode_cursor("a", "b"), "eyJhIjogMX0"],
)
def test_anything_else_is_a_bad_cursor_with_the_given_detail(cursor):
    with pytest.raises(BadCursor) as refused:
        decode_cursor(cursor, _pair, "pass next_cursor back unchanged")
    assert refused.value.status == 422
    assert refused.value.detail == "pass next_cursor back unchanged"

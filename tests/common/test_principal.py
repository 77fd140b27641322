"""Who the caller is: the role judgements every service shares, defined once."""

import pytest

from common.security import Principal


def _holding(roles: dict) -> Principal:
    return Principal(1, "someone@example.com", "Someone", roles)


@pytest.mark.parametrize(
    "roles,staff",
    [
        ({}, False),
        ({"hdts": ["Employee"]}, False),
        ({"hdts": ["Employee", "Ticket Coordinator"]}, True),
        ({"hdts": ["Admin"]}, True),
        ({"tts": ["Agent"]}, True),
        ({"tts": ["Operator"]}, True),
        ({"hdts": ["Employee"], "ams": ["Asset Manager"]}, True),
        ({"hdts": [], "tts": []}, False),
    ],
)
def test_staff_is_anyone_with_a_role_beyond_the_help_desks_employee(roles, staff):
    assert _holding(roles).is_staff is staff


@pytest.mark.parametrize(
    "roles,admin,superuser",
    [
        ({"hdts": ["Admin"]}, True, False),
        ({"tts": ["Admin"]}, True, False),
        ({"hdts": ["Admin"], "tts": ["Admin"]}, True, True),
        ({"ams": ["Admin"]}, False, False),
        ({"hdts": ["Ticket Coordinator"]}, False, False),
    ],
)
def test_admins_of_either_desk_and_superusers_of_both(roles, admin, superuser):
    principal = _holding(roles)
    assert (principal.is_admin, principal.is_superuser) == (admin, superuser)

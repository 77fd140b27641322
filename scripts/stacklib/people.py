"""Accounts for load tests and benchmarks of a running stack, made once and reused.

They are created in auth_api's database directly (``accounts.create_user``, as
``tts users create`` does), with the stack's environment: many people, one process start.
"""

from __future__ import annotations

import concurrent.futures


def ensure_people(prefix: str, count: int, password: str, role: str) -> list[str]:
    """``<prefix>-<n>@example.com`` for n < count, each holding ``role`` (SYSTEM:ROLE)."""
    from auth_api import accounts, roles
    from common.cli import cli_app
    from common.db import db
    from common.services import get

    emails = [f"{prefix}-{n}@example.com" for n in range(count)]
    system, _, name = role.partition(":")
    with cli_app([get("auth")]).app_context():
        role_row = roles.find_role(roles.get_system(system), name)
        for n, email in enumerate(emails):
            if accounts.find_user(email) is None:
                accounts.create_user(email, f"{prefix.title()} {n}", password, [role_row])
        db.session.commit()
    return emails


def log_in(base: str, emails: list[str], password: str) -> dict[str, str]:
    """An access token per email, through the edge (a few logins at a time)."""
    # Imported here: run as a script (below), this file sits outside the stacklib package.
    from stacklib.bench import access_token

    def one(email: str) -> tuple[str, str]:
        return email, access_token(base, email, password)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return dict(pool.map(one, emails))


if __name__ == "__main__":  # python scripts/stacklib/people.py PREFIX COUNT SYSTEM:ROLE
    import os
    import sys

    prefix, count, role = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    for email in ensure_people(prefix, count, os.environ["TTS_DEMO_PASSWORD"], role):
        print(email)

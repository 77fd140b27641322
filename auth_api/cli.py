"""``tts users ...``, ``tts keys ...`` and ``tts seed systems|roles|accounts``."""

from __future__ import annotations

import json

import click

from auth_api import accounts, roles, seed
from common.unit_of_work import unit_of_work


def _app():
    from common.cli import cli_app
    from common.services import get

    return cli_app([get("auth")])


def _role(ref: str):
    system, sep, name = ref.partition(":")
    if not sep or not name:
        raise click.BadParameter(f"{ref!r}: expected SYSTEM:ROLE, e.g. tts:Agent")
    return roles.find_role(roles.get_system(system), name)


def _user(email: str):
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


def _run(fn):
    """Run ``fn`` in an app context and commit; domain errors become click errors."""
    from common.problems import DomainError

    with _app().app_context():
        try:
            with unit_of_work():
                return fn()
        except DomainError as error:
            raise click.ClickException(error.detail) from error


@click.command("systems")
def seed_systems():
    """The four systems (idempotent)."""
    _run(seed.seed_systems)
    click.echo(f"systems: {', '.join(seed.SYSTEMS)}")


@click.command("roles")
def seed_roles():
    """The systems and their default roles (idempotent)."""
    _run(seed.seed_systems_and_roles)
    click.echo("roles: " + "; ".join(f"{s}: {', '.join(r)}" for s, r in seed.ROLES.items()))


@click.command("accounts")
def seed_accounts():
    """The four demo accounts (idempotent; TTS_DEMO_PASSWORD or a printed random one)."""
    with _app().app_context():
        seed.seed_demo()


@click.group()
def users():
    """User accounts."""


@users.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "role_refs", multiple=True, help="SYSTEM:ROLE, repeatable")
def users_create(email, name, password, role_refs):
    """Create an account with a password (prompted when not given)."""
    user = _run(
        lambda: accounts.create_user(email, name, password, [_role(r) for r in role_refs]).email
    )
    click.echo(f"created {user}")


@users.command("list")
@click.option("--search", "q", default=None)
@click.option("--system", default=None)
@click.option("--page", default=1, show_default=True)
def users_list(q, system, page):
    def listing():
        items, total = accounts.search(q, system, None, page, 50)
        for user in items:
            state = "active" if user.is_active else (user.registration or "inactive")
            click.echo(f"{user.id}\t{user.email}\t{user.name}\t{state}\t{user.roles_by_system()}")
        click.echo(f"({total} in all)")

    _run(listing)


@users.command("grant")
@click.argument("email")
@click.argument("role_ref", metavar="SYSTEM:ROLE")
def users_grant(email, role_ref):
    _run(lambda: roles.grant_role(_user(email), _role(role_ref)))
    click.echo(f"granted {role_ref} to {email}")


@users.command("revoke")
@click.argument("email")
@click.argument("role_ref", metavar="SYSTEM:ROLE")
def users_revoke(email, role_ref):
    def revoke():
        user, role = _user(email), _role(role_ref)
        grant = next((g for g in user.role_grants if g.role_id == role.id), None)
        if grant is None or not grant.is_active:
            raise click.ClickException(f"{email} does not hold {role_ref}")
        roles.revoke_grant(grant)

    _run(revoke)
    click.echo(f"revoked {role_ref} from {email}")


@users.command("set-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_set_password(email, password):
    """Set a password; every session of the user ends."""
    _run(lambda: accounts.set_password(_user(email), password))
    click.echo(f"password set for {email}")


@users.command("deactivate")
@click.argument("email")
def users_deactivate(email):
    """Deactivate; every session of the user ends in every service."""
    _run(lambda: accounts.set_active(_user(email), False))
    click.echo(f"deactivated {email}")


@click.group()
def keys():
    """JWT signing keys."""


@keys.command("rotate")
def keys_rotate():
    """New current key; the old one stays as the previous key (tokens keep working).

    auth_api signs with the new key within seconds; other services pick it up on first sight.
    """
    from common.config import Config
    from common.tokens.keys import rotate_keys

    keyset = rotate_keys(Config.from_env())
    click.echo(f"current kid {keyset.current_kid}; verifying with {', '.join(keyset.public_pems)}")


@keys.command("show")
def keys_show():
    """The JWKS the services verify with."""
    from common.config import Config
    from common.tokens.keys import key_paths, load_keyset

    click.echo(json.dumps({"keys": list(load_keyset(key_paths(Config.from_env())).jwks)}, indent=2))


COMMANDS = [users, keys]

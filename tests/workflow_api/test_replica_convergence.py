"""workflow_api's role replica converges whatever the order and duplication of events."""

import random

from sqlalchemy import select

from common.db import db
from common.models.workflow import ReplicaRole, RoleHolder
from workflow_api import replica


def _role(version, name="Agent", deleted=False):
    return (
        "role",
        {"role_id": 7007, "system": "tts", "name": name, "deleted": deleted, "version": version},
    )


def _grant(grant_id, user_id, version, role="Agent", **changes):
    payload = {
        "grant_id": grant_id,
        "user_id": user_id,
        "user_name": f"User {user_id}",
        "user_email": f"u{user_id}@example.com",
        "system": "tts",
        "role": role,
        "role_id": 7007,
        "is_active": True,
        "deployed": True,
        "version": version,
    }
    payload.update(changes)
    return ("grant", payload)


# The history auth_api published: a role created then renamed; three holders granted,
# changed, revoked and re-granted.
HISTORY = [
    _role(1),
    _grant(9001, 11, 1),
    _grant(9002, 12, 1),
    _grant(9001, 11, 2, deployed=False),
    _role(2, name="Field Agent"),
    _grant(9003, 13, 1, role="Field Agent"),
    _grant(9002, 12, 2, role="Field Agent", is_active=False),
    _grant(9001, 11, 3, role="Field Agent", deployed=True, user_name="Renamed"),
    _grant(9002, 12, 3, role="Field Agent", is_active=True),
    _grant(9003, 13, 2, role="Field Agent", is_active=False),
]


def _apply(events):
    for kind, payload in events:
        (replica.apply_role if kind == "role" else replica.apply_grant)(payload)


def _state():
    holders = db.session.scalars(
        select(RoleHolder).where(RoleHolder.role_id == 7007).order_by(RoleHolder.grant_id)
    ).all()
    role = db.session.get(ReplicaRole, 7007)
    return (
        (role.name, role.deleted, role.source_version) if role else None,
        [
            (h.grant_id, h.user_id, h.system, h.role, h.is_active, h.deployed, h.user_name)
            for h in holders
        ],
    )


def test_shuffled_and_duplicated_delivery_converges(app, tx):
    with app.app_context():
        _apply(HISTORY)
        expected = _state()
        assert expected == (
            ("Field Agent", False, 2),
            [
                (9001, 11, "tts", "Field Agent", True, True, "Renamed"),
                (9002, 12, "tts", "Field Agent", True, True, "User 12"),
                (9003, 13, "tts", "Field Agent", False, True, "User 13"),
            ],
        )
        rng = random.Random(4)
        for _ in range(25):
            db.session.execute(db.delete(RoleHolder).where(RoleHolder.role_id == 7007))
            db.session.execute(db.delete(ReplicaRole).where(ReplicaRole.role_id == 7007))
            events = HISTORY + rng.sample(HISTORY, k=5)  # duplicates
            rng.shuffle(events)
            _apply(events)
            assert _state() == expected, events


def test_a_holder_before_its_role_is_kept_then_follows_it(app, tx):
    with app.app_context():
        _apply([_grant(9005, 15, 1, role="Agent")])
        assert _state()[1] == [(9005, 15, "tts", "Agent", True, True, "User 15")]
        _apply([_role(3, name="Senior Agent")])
        assert _state()[1] == [(9005, 15, "tts", "Senior Agent", True, True, "User 15")]
        _apply([_role(4, name="Senior Agent", deleted=True)])
        assert _state()[1][0][4] is False  # a deleted role's holders are not eligible
        _apply([_role(2, name="Agent")])  # late and stale: ignored
        assert _state()[0] == ("Senior Agent", True, 4)


def test_auth_changes_reach_the_replica_through_the_outbox(app, client, seeded):
    from tests.auth_api.helpers import bearer, mint
    from tests.support import deliver

    admin = mint(app, "admin@example.com")["access_token"]
    roles = client.raw.get("/api/auth/systems/tts/roles", headers=bearer(admin)).get_json()
    agent = next(r for r in roles if r["name"] == "Agent")
    client.raw.patch(
        f"/api/auth/roles/{agent['id']}", json={"name": "Support Agent"}, headers=bearer(admin)
    )
    deliver()
    with app.app_context():
        holder = db.session.scalar(
            select(RoleHolder).where(RoleHolder.user_email == "agent@example.com")
        )
        assert (holder.system, holder.role, holder.is_active) == ("tts", "Support Agent", True)

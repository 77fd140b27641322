"""What operators do to jobs: requeue, discard and purge dead letters, sweep the outbox.

Every action first runs as a dry run (``dry_run=True``, the default): it says what it
would do and changes nothing. Done for real, it is written to the service's append-only
audit (who, what, target, count, reason, result), in a transaction of its own so that a
failed action is on record too, and the journal rows of the dead letters it moved are
marked with what happened to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from common.db import bind_for
from common.models.mixins import JOB_FAILURE_MODELS, OPS_AUDIT_MODELS
from common.ops.queues import queues_for
from common.outbox_sending import sweep
from common.problems import DomainError, Forbidden, NotFound, Unprocessable
from common.security import Principal
from common.services import ServiceSpec

MAX_REQUEUE = 10_000


@dataclass(frozen=True)
class Operator:
    """Who acts: a signed-in person (by email) or a shell user of ``tts jobs``."""

    name: str
    may_act: bool

    @classmethod
    def of(cls, principal: Principal) -> Operator:
        if not principal.is_operator:
            raise Forbidden("Seeing the background jobs needs the tts Operator role or Admin")
        allowed = principal.is_admin or current_app.config["TTS_CONFIG"].operators_may_act
        return cls(principal.email, allowed)


def _check(spec: ServiceSpec, operator: Operator, queue: str | None, dry_run: bool) -> None:
    if not dry_run and not operator.may_act:
        raise Forbidden("Operators may look but not act here: ask an admin")
    if queue is not None and queue not in spec.queues:
        raise NotFound(f"{spec.name} has no queue {queue!r} (its queues: {list(spec.queues)})")


def audit(spec: ServiceSpec, operator: Operator, action: str, target: str, **row) -> None:
    model = OPS_AUDIT_MODELS[spec.name]
    with Session(bind_for(spec.name), join_transaction_mode="create_savepoint") as session:
        session.execute(
            insert(model).values(actor=operator.name[:200], action=action, target=target, **row)
        )
        session.commit()


def _resolve(spec: ServiceSpec, message_ids: list[str], resolution: str, who: str) -> None:
    model = JOB_FAILURE_MODELS[spec.name]
    if not message_ids:
        return
    with Session(bind_for(spec.name), join_transaction_mode="create_savepoint") as session:
        session.execute(
            update(model)
            .where(
                model.message_id.in_(message_ids),
                model.dead_lettered,
                model.resolution.is_(None),
            )
            .values(resolution=resolution, resolved_at=datetime.now(UTC), resolved_by=who[:200])
        )
        session.commit()


def _audited(spec, operator, action, target, reason, work):
    """Run ``work() -> (count, result)`` and audit it, failed or not."""
    try:
        count, result = work()
    except Exception as error:
        audit(
            spec, operator, action, target, count=0, reason=reason, result=f"failed: {error}"[:200]
        )
        raise
    audit(spec, operator, action, target, count=count, reason=reason, result=result[:200])
    return count


def requeue(
    spec: ServiceSpec,
    operator: Operator,
    queue: str,
    message_ids: list[str] | None,
    limit: int = 100,
    dry_run: bool = True,
) -> dict:
    _check(spec, operator, queue, dry_run)
    queues = queues_for(current_app.config["TTS_CONFIG"])
    limit = max(1, min(limit, MAX_REQUEUE))
    if dry_run:
        waiting = queues.dead_count(queue)
        count = len(message_ids) if message_ids is not None else min(waiting, limit)
        return {"dry_run": True, "would_requeue": count, "dead_letters": waiting}
    chosen = set(message_ids) if message_ids is not None else None

    def work():
        moved = queues.requeue(queue, chosen, limit)
        _resolve(spec, moved.done, "requeued", operator.name)
        return len(moved.done), f"requeued {len(moved.done)} of {moved.scanned} seen"

    count = _audited(spec, operator, "dead.requeue", f"{queue}.XQ", None, work)
    return {"dry_run": False, "requeued": count}


def discard(
    spec: ServiceSpec,
    operator: Operator,
    queue: str,
    message_ids: list[str],
    reason: str,
    dry_run: bool = True,
) -> dict:
    _check(spec, operator, queue, dry_run)
    if not reason.strip():
        raise Unprocessable("Say why these dead letters are discarded (reason)")
    if not message_ids:
        raise Unprocessable("Name the dead letters to discard (message_ids)")
    queues = queues_for(current_app.config["TTS_CONFIG"])
    if dry_run:
        return {"dry_run": True, "would_discard": len(message_ids)}

    def work():
        moved = queues.discard(queue, set(message_ids))
        _resolve(spec, moved.done, "discarded", operator.name)
        return len(moved.done), f"discarded {len(moved.done)} of {moved.scanned} seen"

    count = _audited(spec, operator, "dead.discard", f"{queue}.XQ", reason, work)
    return {"dry_run": False, "discarded": count}


def purge(
    spec: ServiceSpec,
    operator: Operator,
    queue: str,
    expected: int,
    reason: str,
    dry_run: bool = True,
) -> dict:
    _check(spec, operator, queue, dry_run)
    if not reason.strip():
        raise Unprocessable("Say why the dead letters are purged (reason)")
    queues = queues_for(current_app.config["TTS_CONFIG"])
    waiting = queues.dead_count(queue)
    if dry_run:
        return {"dry_run": True, "would_purge": waiting}
    if waiting != expected:
        raise PurgeMismatch(
            f"{queue}.XQ holds {waiting} dead letters, not {expected}: nothing purged",
            dead_letters=waiting,
        )

    def work():
        purged = queues.purge(queue, expected)
        return purged, f"purged {purged}"

    count = _audited(spec, operator, "dead.purge", f"{queue}.XQ", reason, work)
    return {"dry_run": False, "purged": count}


class PurgeMismatch(DomainError):
    status = 409
    title = "Conflict"


def sweep_outbox(spec: ServiceSpec, operator: Operator, dry_run: bool = True) -> dict:
    _check(spec, operator, None, dry_run)
    if dry_run:
        from common.ops.status import outbox

        return {"dry_run": True, "unpublished": outbox(spec, datetime.now(UTC))["backlog"]}

    def work():
        sent = sweep([spec.name], grace_seconds=0)
        return sent, f"published {sent}"

    count = _audited(spec, operator, "outbox.sweep", f"{spec.name}.outbox", None, work)
    return {"dry_run": False, "published": count}

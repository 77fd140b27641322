"""One unit of work per request, per actor run, per live frame and per CLI command.

Operations change and flush; they never commit. Whoever runs them wraps the whole run in
``unit_of_work()``: it commits when the run returns and rolls back when it raises, so a
view, an actor or a command holds no ``commit()`` of its own and a half-done change can't
be committed by accident.

Some failures must keep what they changed: a failed login keeps its failure counters, a
reused refresh token keeps the revocation of its family. Such an error is raised with
``keep_changes=True`` (see ``DomainError``) and the unit commits before it re-raises.

Work that must wait for the commit (deleting a file whose row is gone) is registered
with ``on_commit``: it runs only if the transaction commits, and is dropped if it rolls
back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from common.db import db, rollback_quietly
from common.problems import DomainError

log = logging.getLogger(__name__)
ON_COMMIT_KEY = "tts_on_commit"


@contextmanager
def unit_of_work() -> Iterator[None]:
    try:
        yield
    except DomainError as error:
        if error.keep_changes:
            db.session.commit()
        else:
            rollback_quietly()
        raise
    except BaseException:
        rollback_quietly()
        raise
    db.session.commit()


def on_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` after the current transaction commits (never if it rolls back)."""
    db.session.info.setdefault(ON_COMMIT_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    for callback in session.info.pop(ON_COMMIT_KEY, ()):
        try:
            callback()
        except Exception:  # the commit stands; a failed follow-up must not undo the answer
            log.exception("an after-commit step failed")


@event.listens_for(Session, "after_rollback")
def _drop_on_commit(session: Session) -> None:
    session.info.pop(ON_COMMIT_KEY, None)

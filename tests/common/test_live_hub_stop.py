"""A live hub stopped before its database goes away ends quietly: a shutdown (the dev
server's Ctrl-C) is no lost connection, and logs no error."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import text

from common import devserver
from common.db import db
from common.devserver import DevServer
from common.live.hub import LiveHub


def _terminate_backend(app, application_name: str) -> int:
    with app.app_context():
        ended = db.session.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": application_name},
            bind_arguments={"bind": db.engines["chat"]},
        ).scalar_one()
        db.session.commit()
        return ended


class _Stopped:
    """The dev server's parts other than the app and its hubs, doing nothing."""

    def stop(self) -> None:
        pass

    server_close = stop


def test_the_dev_server_stops_its_hubs_before_its_database(app, caplog):
    hub = LiveHub(app, "chat", "tts_test_hub_stop", lambda *_: None)
    hub.ensure_listening()
    assert hub.listening
    key = "tts_live_hub_test_stop"

    class EmbeddedDatabase:
        def cleanup(self) -> None:
            # Stopping PostgreSQL ends every connection, as this does (the hub may have
            # closed its own already, if its wait for notes ended just then).
            assert _terminate_backend(app, hub.process_name) <= 1
            logging.getLogger("pgserver").info("Running commandline: pg_ctl stop")

    class OnlyThisHub:
        """The session's app with no hub but this one: the live tests' hubs must go on."""

        extensions = {key: hub}
        config = app.config
        app_context = app.app_context

    caplog.set_level(logging.INFO)
    dev = DevServer(
        EmbeddedDatabase(), OnlyThisHub(), _Stopped(), threading.Event(), None, _Stopped()
    )
    devserver._stop(dev)
    hub._thread.join(10)
    assert not hub._thread.is_alive()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert not [r for r in caplog.records if r.name == "pgserver"]


def test_a_running_hub_still_reports_a_lost_connection(app, caplog):
    hub = LiveHub(app, "chat", "tts_test_hub_lost", lambda *_: None)
    hub.ensure_listening()
    try:
        assert _terminate_backend(app, hub.process_name) == 1
        deadline = time.monotonic() + 10
        while not any("lost its database connection" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the lost connection was not reported"
            time.sleep(0.05)
    finally:
        hub.stop()

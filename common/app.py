"""Building a Flask app from one service (production) or all of them (the dev server).

A service's ``create_app`` is ``create_app([its spec])``. Each service gets its own
``ProblemApi`` (config prefix = service name), so ``<prefix>/openapi.json`` and
``<prefix>/docs`` are the same paths whether it runs alone or beside the others.
"""

from __future__ import annotations

import importlib
import time

from flask import Flask, g, request
from flask.sessions import SessionInterface
from flask_migrate import Migrate
from flask_sock import Sock

from common import input_guard, json_codec
from common.config import Config
from common.db import db
from common.ids import IdConverter
from common.logs import clean_request_id, configure_logging, request_id_var, service_var
from common.metrics import init_metrics
from common.outbox_relay import init_relay
from common.prepared import ENGINE_OPTION
from common.problems import ProblemApi, strict_query_arguments
from common.services import ServiceSpec, load, path_owner
from common.tokens.verifier import configure_jwt
from common.unit_of_work import unit_of_work

sock = Sock()
strict_query_arguments()


class NoCookieSession(SessionInterface):
    """No Flask session: callers are known by their tokens, never by a session cookie.
    Flask's default opened one on every request, building a signing serializer from the
    secret key each time, for nothing (2-3 % of gunicorn's CPU for an approval).
    ``flask.session`` is Flask's null session: read empty, refuse writes."""

    def open_session(self, app, request):
        return None  # Flask then hands out its null session

    def save_session(self, app, session, response) -> None:
        pass


class ServiceApp(Flask):
    """A Flask app whose every view runs as one unit of work (``common.unit_of_work``)."""

    session_interface = NoCookieSession()

    def dispatch_request(self):
        with unit_of_work():
            return super().dispatch_request()


migrate = Migrate()


def create_app(services: list[ServiceSpec], config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    configure_logging(config.log_level, config.log_json)
    name = services[0].package if len(services) == 1 else "tts"
    app = ServiceApp(name)
    app.url_map.converters["id"] = IdConverter
    app.config.update(
        SECRET_KEY=config.secret_key,
        TTS_CONFIG=config,
        TTS_SERVICES=[spec.name for spec in services],
        SQLALCHEMY_BINDS=_binds(services, config),
        # Whole-request cap: one upload plus room for the multipart envelope.
        MAX_CONTENT_LENGTH=(config.max_upload_mb + 1) * 1024 * 1024,
        JSON_SORT_KEYS=False,
        # flask-sock's server: pings detect a client that vanished without a close (no pong
        # by the next ping closes it); no client frame is anywhere near 64 kB.
        SOCK_SERVER_OPTIONS={
            "ping_interval": config.live_ping_seconds or None,
            "max_message_size": 64 * 1024,
        },
    )
    for spec in services:
        importlib.import_module(spec.models)

    db.init_app(app)
    migrate.init_app(app, db)
    configure_jwt(app, config)
    sock.init_app(app)
    init_relay(app, config.outbox_relay)
    _install_request_context(app, services)
    init_metrics(app, services)

    from common.api_docs import docs_blueprint
    from common.health import health_blueprint
    from common.ops.api import ops_blueprint

    for spec in services:
        api = _make_api(app, spec)
        app.register_blueprint(docs_blueprint(spec))
        api.register_blueprint(health_blueprint(spec.name, spec.prefix))
        api.register_blueprint(ops_blueprint(spec))
        for dotted in spec.blueprints:
            api.register_blueprint(load(dotted))
        if spec.sock_routes:
            load(spec.sock_routes)(app, sock)
        if spec.on_app:
            load(spec.on_app)(app)
    return app


def _binds(services: list[ServiceSpec], config: Config) -> dict:
    return {
        spec.name: {
            "url": config.database_url(spec.name),
            # Up to twice TTS_DATABASE_POOL_SIZE connections, each kept once opened. The
            # same cap as a pool of that size with as many in overflow, without its churn:
            # an overflow connection is closed when given back, so a load steadily above
            # the pool opened one, and PostgreSQL started a backend, every few requests.
            "pool_size": 2 * config.database_pool_size,
            "max_overflow": 0,
            "json_serializer": json_codec.dumps_text,
            # An executemany UPDATE or DELETE (the ORM's bulk moves of many rows) goes in
            # one round trip per 100 rows (psycopg2's execute_batch), not one per row.
            # INSERTs are SQLAlchemy's multi-row VALUES either way.
            "executemany_mode": "values_plus_batch",
            "execution_options": {ENGINE_OPTION: config.database_prepared_statements},
        }
        for spec in services
    }


def data_app(services: list[ServiceSpec], config: Config | None = None) -> Flask:
    """The services' databases without their HTTP side, for commands that only read and
    write rows (``tts jobs``): no blueprints or API documents to build, so it starts in a
    fraction of ``create_app``'s time."""
    config = config or Config.from_env()
    configure_logging(config.log_level, config.log_json)
    app = Flask("tts-data")
    app.config.update(
        TTS_CONFIG=config,
        TTS_SERVICES=[spec.name for spec in services],
        SQLALCHEMY_BINDS=_binds(services, config),
    )
    for spec in services:
        importlib.import_module(spec.models)
    db.init_app(app)
    init_relay(app, "sync")
    return app


# What nginx refuses before a service sees the request (nginx/snippets/edge-refusals.conf).
EDGE_LIMITS = (
    "Every error is an RFC 7807 problem document (`application/problem+json`), the "
    "edge's refusals included: a request line over 8 kB is 414, a header (or the "
    "cookies) over 8 kB is 431, a body over 26 MB is 413, and a client over the rate "
    "limit gets 429 with `Retry-After`."
)


def _make_api(app: Flask, spec: ServiceSpec) -> ProblemApi:
    key = spec.name.upper() + "_"
    app.config.update(
        {
            f"{key}API_TITLE": spec.title,
            f"{key}API_VERSION": "1.0",
            f"{key}OPENAPI_VERSION": "3.0.3",
            f"{key}OPENAPI_URL_PREFIX": spec.prefix,
            f"{key}OPENAPI_JSON_PATH": "openapi.json",
            # <prefix>/docs is common/api_docs.py's: Swagger UI from this service, no CDN.
        }
    )
    api = ProblemApi(app, config_prefix=key)
    api.spec.options["info"] = {"description": EDGE_LIMITS}
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    return api


def _install_request_context(app: Flask, services: list[ServiceSpec]) -> None:
    owner = path_owner(services)

    @app.before_request
    def _start_request():
        g.request_id = clean_request_id(request.headers.get("X-Request-ID"))
        g.started = time.perf_counter()
        request_id_var.set(g.request_id)
        service_var.set(owner(request.path))

    input_guard.install(app)

    @app.after_request
    def _finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response

"""Each service's API docs, ``<prefix>/docs``: Swagger UI, served by the service itself.

Swagger UI's files come pinned in a Python package (flask-swagger-ui ships swagger-ui-dist
as its ``dist`` folder; requirements.lock pins the version) and are served under
``<prefix>/docs/assets/``: the page works offline and its CSP names no other origin. The
page runs no inline script either: ``start.js`` starts Swagger UI on the document named by
the page. The CSP here is nginx's for these pages too (nginx/templates/tts.conf.template);
styles stay open to inline ``style`` attributes, which Swagger UI writes.
"""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Response, abort, send_from_directory
from markupsafe import escape

from common.services import ServiceSpec

ASSETS = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
# What the page loads; nothing else of the package is served.
ASSET_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
# The assets change only with the pinned package: a day in the browser's cache, then
# revalidated (send_from_directory answers If-Modified-Since and ETags).
ASSET_MAX_AGE = 86400

START_JS = """\
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    // Swagger UI would ask validator.swagger.io to check the document: nothing leaves.
    validatorUrl: null,
  });
});
"""

PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" type="image/png" href="{docs}/assets/favicon-32x32.png">
<link rel="stylesheet" href="{docs}/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec_url}"></div>
<script src="{docs}/assets/swagger-ui-bundle.js"></script>
<script src="{docs}/start.js"></script>
</body>
</html>
"""


def docs_blueprint(spec: ServiceSpec) -> Blueprint:
    docs = f"{spec.prefix}/docs"
    blueprint = Blueprint(f"{spec.name}-docs", __name__, url_prefix=docs)
    page = PAGE.format(
        title=escape(spec.title), docs=escape(docs), spec_url=escape(f"{spec.prefix}/openapi.json")
    )

    @blueprint.get("")
    def swagger_ui():
        return Response(page, mimetype="text/html", headers={"Content-Security-Policy": DOCS_CSP})

    @blueprint.get("/start.js")
    def start():
        return Response(START_JS, mimetype="text/javascript")

    @blueprint.get("/assets/<name>")
    def asset(name: str):
        if name not in ASSET_FILES:
            abort(404)
        return send_from_directory(ASSETS, name, max_age=ASSET_MAX_AGE)

    return blueprint

"""The category catalogue: everyone reads it; admins add and change entries."""

from common.blueprint import Blueprint
from common.models.tickets import DEPARTMENTS
from common.problems import Forbidden
from common.security import caller, require_auth
from tickets_api import access, catalogue
from tickets_api.schemas import (
    CategoryIn,
    CategoryList,
    CategoryListArgs,
    CategoryOut,
    CategoryPatch,
)

blp = Blueprint("ticket-catalogue", __name__, url_prefix="/api/tickets", description="Categories")
require_auth(blp)
BEARER = [{"bearerAuth": []}]


def _require_admin():
    principal = caller()
    if not access.is_admin(principal):
        raise Forbidden("Only an admin manages the catalogue")


@blp.route("/categories", methods=["GET"])
@blp.arguments(CategoryListArgs, location="query")
@blp.response(200, CategoryList)
@blp.doc(security=BEARER)
def list_categories(args):
    include_inactive = args["include_inactive"] and access.is_admin(caller())
    return {"items": catalogue.tree(include_inactive), "departments": list(DEPARTMENTS)}


@blp.route("/categories", methods=["POST"])
@blp.arguments(CategoryIn)
@blp.response(201, CategoryOut)
@blp.doc(security=BEARER)
def create_category(body):
    _require_admin()
    category = catalogue.create(body)
    return category


@blp.route("/categories/<id:category_id>", methods=["PATCH"])
@blp.arguments(CategoryPatch)
@blp.response(200, CategoryOut)
@blp.doc(security=BEARER)
def update_category(body, category_id):
    _require_admin()
    category = catalogue.update(category_id, body)
    return category

from flask_smorest import Blueprint

from common.problems import Forbidden
from common.security import caller, require_auth
from workflow_api import service
from workflow_api.schemas import TaskListArgs, TaskPage

blp = Blueprint("workflow", __name__, url_prefix="/api/workflow", description="Tasks")
require_auth(blp)


@blp.route("/tasks")
@blp.arguments(TaskListArgs, location="query")
@blp.response(200, TaskPage)
@blp.doc(security=[{"bearerAuth": []}])
def list_tasks(args):
    """An assignee's tasks, newest first (``assignee=me``; admins may name anyone)."""
    principal = caller()
    assignee = args["assignee"]
    if assignee == "me":
        assignee = principal.id
    elif assignee != principal.id and not principal.has_role("tts", "Admin"):
        raise Forbidden("Only a TTS admin may list another person's tasks")
    items, next_cursor = service.list_tasks(assignee, args["limit"], args.get("before"))
    return {"items": items, "next_cursor": next_cursor}

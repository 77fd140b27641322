"""Tasks: the caller's list, a task's detail and history, and acting on it."""

from common.blueprint import Blueprint
from common.problems import Forbidden
from common.security import caller, require_auth
from workflow_api import engine, service
from workflow_api.schemas import (
    ActIn,
    CandidateList,
    EscalateIn,
    TaskDetailOut,
    TaskHistoryOut,
    TaskListArgs,
    TaskOut,
    TaskPage,
    TransferIn,
)

blp = Blueprint("workflow", __name__, url_prefix="/api/workflow", description="Tasks")
require_auth(blp)
BEARER = [{"bearerAuth": []}]


@blp.route("/tasks")
@blp.arguments(TaskListArgs, location="query")
@blp.response(200, TaskPage)
@blp.doc(security=BEARER)
def list_tasks(args):
    """Tasks, newest first: ``assignee=me`` (default); coordinators and admins may name
    anyone or ``any``."""
    principal = caller()
    assignee = args["assignee"]
    if assignee == "me":
        assignee = principal.id
    elif assignee != principal.id and not principal.is_triager:
        raise Forbidden("Only a coordinator or an admin may list other people's tasks")
    items, next_cursor = service.list_tasks(
        None if assignee == "any" else assignee,
        args.get("status"),
        args["limit"],
        args.get("before"),
        args.get("ticket"),
    )
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/tasks/<id:task_id>")
@blp.response(200, TaskDetailOut)
@blp.doc(security=BEARER)
def task_detail(task_id):
    """The task, its step's instructions, the actions available now and its SLA."""
    return service.detail(engine.visible(caller(), task_id))


@blp.route("/tasks/<id:task_id>/history")
@blp.response(200, TaskHistoryOut)
@blp.doc(security=BEARER)
def task_history(task_id):
    task = engine.visible(caller(), task_id)
    return service.history(task.id)


@blp.route("/tasks/<id:task_id>/act", methods=["POST"])
@blp.arguments(ActIn)
@blp.response(200, TaskOut)
@blp.doc(security=BEARER)
def act(body, task_id):
    """The assignee takes a transition, with notes (409 if the task moved on)."""
    task = engine.act(caller(), task_id, body["transition"], body["notes"], body["revision"])
    return task


@blp.route("/tasks/<id:task_id>/candidates")
@blp.response(200, CandidateList)
@blp.doc(security=BEARER)
def transfer_candidates(task_id):
    """Whom the task may be transferred to: the step's other role holders and their load."""
    return {"items": engine.transfer_candidates(caller(), task_id)}


@blp.route("/tasks/<id:task_id>/transfer", methods=["POST"])
@blp.arguments(TransferIn)
@blp.response(200, TaskOut)
@blp.doc(security=BEARER)
def transfer(body, task_id):
    """Give the task to another holder of its step's role (coordinators, admins)."""
    task = engine.transfer(caller(), task_id, body["user_id"], body["notes"], body["revision"])
    return task


@blp.route("/tasks/<id:task_id>/escalate", methods=["POST"])
@blp.arguments(EscalateIn)
@blp.response(200, TaskOut)
@blp.doc(security=BEARER)
def escalate(body, task_id):
    """Hand the task to the step's escalation role."""
    task = engine.escalate(caller(), task_id, body["reason"], body["revision"])
    return task

from common.services import ServiceSpec

SERVICE = ServiceSpec(
    name="workflow",
    package="workflow_api",
    title="TTS workflow API",
    prefixes=("/api/workflow",),
    blueprints=("workflow_api.routes:blp", "workflow_api.routes_admin:blp"),
    tasks="workflow_api.tasks",
    queues=("workflow",),
    seeders=("workflow_api.seed:seed_demo",),
    seed_commands=("workflow_api.seed:seed_workflows_command",),
    periodic=("workflow_api.jobs:fire_due_timers",),
    ops_facts="workflow_api.jobs:overdue_timers",
    ops_gauges="workflow_api.jobs:sla_gauges",
)

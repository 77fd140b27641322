from common.services import ServiceSpec

SERVICE = ServiceSpec(
    name="workflow",
    package="workflow_api",
    title="TTS workflow API",
    prefixes=("/api/workflow",),
    blueprints=("workflow_api.routes:blp",),
    tasks="workflow_api.tasks",
    queues=("workflow",),
    seeders=("workflow_api.seed:seed_demo",),
)

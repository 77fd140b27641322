from common.services import ServiceSpec

SERVICE = ServiceSpec(
    name="tickets",
    package="tickets_api",
    title="TTS tickets API",
    prefixes=("/api/tickets",),
    blueprints=("tickets_api.routes:blp",),
    tasks="tickets_api.tasks",
    queues=("tickets",),
)

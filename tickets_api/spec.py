from common.services import ServiceSpec

SERVICE = ServiceSpec(
    name="tickets",
    package="tickets_api",
    title="TTS tickets API",
    prefixes=("/api/tickets",),
    blueprints=(
        "tickets_api.routes_catalogue:blp",
        "tickets_api.routes:blp",
        "tickets_api.routes_attachments:blp",
        "tickets_api.routes_submission:blp",
    ),
    tasks="tickets_api.tasks",
    queues=("tickets",),
    seeders=("tickets_api.seed:seed_demo",),
    seed_commands=("tickets_api.seed:seed_tickets_command",),
    periodic=("tickets_api.jobs:close_resolved",),
)

from common.services import ServiceSpec

SERVICE = ServiceSpec(
    name="notify",
    package="notifier",
    title="TTS notifications API",
    prefixes=("/api/notifications", "/ws/notifications"),
    blueprints=("notifier.routes:blp", "notifier.routes_mail:blp"),
    sock_routes="notifier.ws:register",
    tasks="notifier.tasks",
    queues=("notify", "email"),
)

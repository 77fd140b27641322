from common.services import ServiceSpec

SERVICE = ServiceSpec(
    name="chat",
    package="chat_api",
    title="TTS chat API",
    prefixes=("/api/chat", "/ws/chat"),
    blueprints=("chat_api.routes:blp",),
    sock_routes="chat_api.ws:register",
    tasks="chat_api.tasks",
    queues=("chat",),
)

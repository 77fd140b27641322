from common.services import ServiceSpec

SERVICE = ServiceSpec(
    name="auth",
    package="auth_api",
    title="TTS auth API",
    prefixes=("/api/auth",),
    blueprints=("auth_api.routes:blp",),
    seeders=("auth_api.seed:seed_demo",),
)

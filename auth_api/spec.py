from common.services import ServiceSpec

SERVICE = ServiceSpec(
    name="auth",
    package="auth_api",
    title="TTS auth API",
    prefixes=("/api/auth",),
    blueprints=(
        "auth_api.routes:blp",
        "auth_api.routes_accounts:blp",
        "auth_api.routes_roles:blp",
        "auth_api.routes_mfa:blp",
    ),
    seeders=("auth_api.seed:seed_demo",),
    cli="auth_api.cli:COMMANDS",
    seed_commands=(
        "auth_api.cli:seed_systems",
        "auth_api.cli:seed_roles",
        "auth_api.cli:seed_accounts",
    ),
)

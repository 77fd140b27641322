"""auth_api: identity, systems, roles and tokens."""


def create_app(config=None):
    from auth_api.spec import SERVICE
    from common.app import create_app as build

    return build([SERVICE], config)

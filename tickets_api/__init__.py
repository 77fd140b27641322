"""tickets_api: tickets and their lifecycle."""


def create_app(config=None):
    from common.app import create_app as build
    from tickets_api.spec import SERVICE

    return build([SERVICE], config)

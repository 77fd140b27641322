"""notifier: in-app notifications and email."""


def create_app(config=None):
    from common.app import create_app as build
    from notifier.spec import SERVICE

    return build([SERVICE], config)

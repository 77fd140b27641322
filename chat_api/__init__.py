"""chat_api: the conversation on each ticket, over REST and WebSocket."""


def create_app(config=None):
    from chat_api.spec import SERVICE
    from common.app import create_app as build

    return build([SERVICE], config)

"""workflow_api: workflows, task assignment and SLA."""


def create_app(config=None):
    from common.app import create_app as build
    from workflow_api.spec import SERVICE

    return build([SERVICE], config)

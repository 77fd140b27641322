"""Which service owns a path: one lookup, shared by request logging and metrics."""

from common.services import ServiceSpec, path_owner


def test_a_path_belongs_to_the_service_with_the_longest_matching_prefix():
    owner = path_owner(
        [
            ServiceSpec("chat", "chat_api", "Chat", ("/api/chat", "/ws/chat")),
            ServiceSpec("inner", "inner_api", "Inner", ("/api/chat/inner",)),
        ]
    )
    assert owner("/api/chat/tickets/1/messages") == "chat"
    assert owner("/ws/chat/tickets/1") == "chat"
    assert owner("/api/chat/inner/x") == "inner"
    assert owner("/api/elsewhere") is None

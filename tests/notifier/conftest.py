import pytest

from common.tokens.revocation import forget_cache


@pytest.fixture(autouse=True)
def _forget_revocations():
    """Tests roll their revocations back; the in-process copy must not outlive them."""
    forget_cache()
    yield
    forget_cache()

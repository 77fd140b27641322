"""Actors batched together (common/actors.py ``batch_with``): what they must share, and
whose each delivery is."""

import uuid

import pytest

from common.actors import _Batched
from common.batching import Delivery


def _plain(delivery):
    return None


def test_actors_batched_together_must_share_their_handler():
    batched = _Batched("notify", leaders=1, linger=0.0)
    batched.join("notify.one", part=list, plain=_plain, handler="shared")
    batched.join("notify.two", part=list, plain=_plain, handler="shared")
    with pytest.raises(ValueError, match="share their handler"):
        batched.join("notify.three", part=list, plain=_plain, handler="its own")


def test_a_delivery_to_actors_batched_together_must_name_its_actor():
    batched = _Batched("notify", leaders=1, linger=0.0)
    done = []
    batched.join("notify.one", part=list, plain=lambda d: done.append("one"), handler="h")
    batched.join("notify.two", part=list, plain=lambda d: done.append("two"), handler="h")
    batched.run_one(Delivery(uuid.uuid4(), {}, actor="notify.two"))
    assert done == ["two"]
    with pytest.raises(ValueError, match="must name its actor"):
        batched.run_one(Delivery(uuid.uuid4(), {}))


def test_a_lone_actor_s_deliveries_are_its_own_named_or_not():
    batched = _Batched("tickets", leaders=1, linger=0.0)
    done = []
    batched.join("tickets.one", part=list, plain=lambda d: done.append(d.actor), handler="h")
    batched.run_one(Delivery(uuid.uuid4(), {}))
    batched.run_one(Delivery(uuid.uuid4(), {}, actor="tickets.one"))
    assert done == ["", "tickets.one"]

"""Idempotency tokens for ``CreateVpcEndpoint``: the one place the scheme lives.

``CreateVpcEndpoint`` takes a ``ClientToken``: the same token returns the same
endpoint instead of making a second one. The token is derived from what the
run saw, not from the run itself::

    sha256(vpc id | service name | sorted ids of every endpoint of that service
           in the VPC, in any state | UTC day)

So two runs that see the same VPC (two events for one VPC, a Lambda retry, a
CLI run racing the Lambda) send the same token and EC2 makes one endpoint;
while a legitimate re-creation after a deletion sends a new one, because the
deleted endpoint is still listed (state ``deleted``) or, once EC2 has
forgotten it, the day has changed.

Two cases need the executor's help:

* Two runs for *different* events send the same token with different tags (the
  event id is a tag): EC2 answers ``IdempotentParameterMismatch`` to the second,
  whose fresh read then finds the first one's endpoint (``already-done``).
* EC2 forgets a deleted endpoint on the day it was created, and the tool must
  create it again that day: the token repeats and EC2 returns the old, deleted
  endpoint. The executor then creates once more with :func:`next_token`, derived
  from that endpoint's id (``eeg-2-...``, so still the same for two racing runs).
  If the repeat comes back as ``IdempotentParameterMismatch`` instead, nothing
  usable is found and the action fails, reported, until the next UTC day's token.

``tests/functional/handler/test_concurrency.py`` proves two concurrent runs send one token and make
one endpoint per service.

>>> client_token("vpc-1", "com.amazonaws.us-east-1.s3", ["vpce-2", "vpce-1"], "2026-01-01")[:4]
'eeg-'
>>> is_repeat(next_token("eeg-abc", "vpce-1"))
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

FIRST_PREFIX = "eeg-"
REPEAT_PREFIX = "eeg-2-"


def client_token(vpc_id: str, service_name: str, endpoint_ids: Iterable[str], day: str) -> str:
    """The token for creating ``service_name``'s endpoint in ``vpc_id`` (64 chars max)."""
    material = "|".join([vpc_id, service_name, ",".join(sorted(endpoint_ids)), day])
    return FIRST_PREFIX + hashlib.sha256(material.encode()).hexdigest()[:40]


def next_token(token: str, returned_id: str) -> str:
    """The token to use after ``token`` returned an endpoint that is gone (64 chars max)."""
    material = f"{token}|{returned_id}"
    return REPEAT_PREFIX + hashlib.sha256(material.encode()).hexdigest()[:40]


def is_repeat(token: str) -> bool:
    """True for a token made by :func:`next_token` (the create was made once more already)."""
    return token.startswith(REPEAT_PREFIX)

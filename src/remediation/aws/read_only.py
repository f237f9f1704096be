"""Read-only clients: a boto3 client proxy that can only read.

Every client the inventory is given is wrapped in one (:class:`ReadOnlyClient`), and so is the
CLI's: dry-run runs hold nothing else, so a write there is impossible by construction rather
than by a flag checked before each write.
"""

from __future__ import annotations

from typing import Any

READ_PREFIXES = ("describe_", "list_", "get_")


class WriteRefused(RuntimeError):
    """Raised when code holding a read-only client tries to call anything but a read."""


class ReadOnlyClient:
    """A boto3 client proxy that exposes only ``Describe*``, ``List*`` and ``Get*`` calls.

    Dry-run runs hold nothing else, so a write there is impossible by
    construction rather than by a flag checked before each write.

    >>> class Fake:
    ...     def describe_vpcs(self): return "read"
    ...     def create_vpc(self): return "write"
    >>> ReadOnlyClient(Fake()).describe_vpcs()
    'read'
    >>> ReadOnlyClient(Fake()).create_vpc()
    Traceback (most recent call last):
    ...
    remediation.aws.read_only.WriteRefused: create_vpc is not a read; this client is read-only
    """

    def __init__(self, client: Any) -> None:
        self._client = client

    def get_paginator(self, operation: str) -> Any:
        if not operation.startswith(READ_PREFIXES):
            raise WriteRefused(f"{operation} is not a read; this client is read-only")
        return self._client.get_paginator(operation)

    def __getattr__(self, name: str) -> Any:
        if name.startswith(READ_PREFIXES) or name == "meta":
            return getattr(self._client, name)
        raise WriteRefused(f"{name} is not a read; this client is read-only")

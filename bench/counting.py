"""Count AWS API calls made by any botocore client while recording.

:func:`recording` wraps botocore's ``BaseClient._make_api_call``, which every client's
operation method calls once per API call (each page of a paginated read is one call; retries
of one call happen below it and are not counted again). Every client counts, whenever it was
made: the handler keeps its clients per execution environment, so a recording cannot rely on
new clients. Calls made outside the block (a test's builder) are not counted.

A read is an operation named ``Describe*``, ``List*`` or ``Get*``; anything
else is a write.

Examples
--------
>>> calls = ApiCalls([("ec2", "DescribeVpcs"), ("ec2", "CreateVpcEndpoint")])
>>> calls.reads, calls.writes
(1, 1)
>>> calls.by_operation()
{'ec2:CreateVpcEndpoint': 1, 'ec2:DescribeVpcs': 1}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

READ_PREFIXES = ("Describe", "List", "Get")


def is_read(operation: str) -> bool:
    """True for ``Describe*``, ``List*`` and ``Get*`` operations."""
    return operation.startswith(READ_PREFIXES)


@dataclass
class ApiCalls:
    """The (service, operation) of every API call made while recording, in order."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    @property
    def reads(self) -> int:
        return sum(1 for _, op in self.calls if is_read(op))

    @property
    def writes(self) -> int:
        return len(self.calls) - self.reads

    def operations(self, *, reads: bool | None = None, service: str | None = None) -> list[str]:
        """Operation names, optionally only reads (``True``) or writes (``False``) of a service."""
        return [
            op
            for svc, op in self.calls
            if (service is None or svc == service) and (reads is None or is_read(op) is reads)
        ]

    def by_operation(self) -> dict[str, int]:
        """``service:Operation`` -> number of calls, sorted by name."""
        return dict(sorted(Counter(f"{svc}:{op}" for svc, op in self.calls).items()))

    def summary(self) -> dict[str, Any]:
        return {"reads": self.reads, "writes": self.writes, "calls": self.by_operation()}


@contextmanager
def recording() -> Iterator[ApiCalls]:
    """Record every API call any botocore client makes inside the block."""
    record = ApiCalls()

    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        record.calls.append((self.meta.service_model.service_name, operation_name))
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counting  # type: ignore[attr-defined]
    try:
        yield record
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]

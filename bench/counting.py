"""Count AWS API calls through botocore's event hooks.

:func:`recording` registers a ``before-call`` handler among botocore's built-in
handlers, which every botocore session created afterwards installs (moto hooks
in the same way). The clients the handler makes during an invocation are
therefore counted, and clients made before the recording starts (a test's
builder) are not. ``before-call`` fires once per API call (each page of a
paginated read is one call; retries of one call are not counted again).

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

from botocore.handlers import BUILTIN_HANDLERS

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
    """Record every API call of every botocore session created inside the block."""
    record = ApiCalls()

    def on_call(model: Any, **_: Any) -> None:
        record.calls.append((model.service_model.service_name, model.name))

    from handlers.remediate import forget_session

    entry = ("before-call", on_call)
    BUILTIN_HANDLERS.append(entry)
    forget_session()  # the handler keeps one session: let it make one that sees the hook
    try:
        yield record
    finally:
        BUILTIN_HANDLERS.remove(entry)
        forget_session()

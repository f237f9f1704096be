"""Faults injected at the HTTP layer, in front of moto, for the safety tests.

botocore sends every request through its ``before-send`` event, where moto's stubber
answers it. :class:`FaultLayer` wraps that stubber, so a fault is a real HTTP response
(status and an error body in the service's own protocol) that botocore parses and hands
to its real retry handler, exactly as it would an answer from AWS. The layer also

* counts the attempts per operation (so a test sees botocore's retries),
* serialises moto's processing with a lock (EC2 applies each request atomically; moto's
  backends are not thread-safe, and the concurrency tests run two invocations at once),
* replaces the sleep of botocore's retry loop with a recorder (backoff is asked for, and
  seen, but nobody waits).

Examples
--------
>>> Fault("ec2", "CreateVpcEndpoint", 503, "RequestLimitExceeded", times=2).matches(
...     "ec2", "CreateVpcEndpoint", {})
True
"""

from __future__ import annotations

import json
import threading
import types
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

#: botocore's hyphenated service ids, as they appear in event names, to short names.
SERVICE_IDS = {"ec2": "ec2", "route-53": "route53", "sns": "sns", "sqs": "sqs", "sts": "sts"}
#: Services whose protocol (json or rest-json) writes errors as JSON with an error-type header.
JSON_SERVICES = frozenset({"securityhub", "organizations", "route53profiles", "sqs"})


def error_body(service: str, code: str, message: str) -> bytes:
    """An error document as the service writes it (EC2's own format, or the query/XML one)."""
    request_id = str(uuid.uuid4())
    if service in JSON_SERVICES:
        return json.dumps({"__type": code, "message": message}).encode()
    if service == "ec2":
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
    else:
        text = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return text.encode()


@dataclass
class Fault:
    """One kind of bad answer for one operation.

    Parameters
    ----------
    service, operation
        ``"ec2"``, ``"CreateVpcEndpoint"``.
    status, code, message
        The HTTP status and the service's error code and message.
    times
        How many matching requests get the fault; ``None`` means every one.
    when
        Optional predicate on the request's query parameters (``{"ServiceName": [...]}``).
    lost_response
        Let moto *apply* the request first and then answer with the fault: the change
        happened, the caller does not know it (a timeout or a 5xx after the fact).
    """

    service: str
    operation: str
    status: int
    code: str
    message: str = "injected fault"
    times: int | None = 1
    when: Callable[[dict[str, list[str]]], bool] | None = None
    lost_response: bool = False
    hits: int = 0

    def matches(self, service: str, operation: str, params: dict[str, list[str]]) -> bool:
        if (service, operation) != (self.service, self.operation):
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        return self.when is None or self.when(params)

    def response(self, request: AWSPreparedRequest) -> AWSResponse:
        body = error_body(self.service, self.code, self.message)
        headers = {"Content-Type": "text/xml", "Content-Length": str(len(body))}
        if self.service in JSON_SERVICES:
            headers["Content-Type"] = "application/json"
            headers["x-amzn-ErrorType"] = self.code
        return AWSResponse(request.url, self.status, headers, MockRawResponse(body))  # type: ignore[arg-type]


def throttle(service: str, operation: str, times: int, **kwargs: Any) -> Fault:
    """Throttling as AWS answers it: EC2 with HTTP 503, Route 53 and SNS with 400."""
    if service == "ec2":
        return Fault(
            service, operation, 503, "RequestLimitExceeded", "Limit exceeded.", times, **kwargs
        )
    return Fault(service, operation, 400, "Throttling", "Rate exceeded", times, **kwargs)


#: The HTTP status EC2 answers each error code with (400 for any other client error).
EC2_STATUS = {
    "RequestLimitExceeded": 503,
    "ServiceUnavailable": 503,
    "Unavailable": 503,
    "InternalError": 500,
    "InternalFailure": 500,
    "ServerInternal": 500,
    "UnauthorizedOperation": 403,
}


def refuse(operation: str, code: str, message: str = "refused", **kwargs: Any) -> Fault:
    """EC2 refusing ``operation`` with ``code`` and its usual HTTP status (every time unless
    ``times`` is given): quotas, access denials, unsupported zones, server errors.

    >>> refuse("CreateVpcEndpoint", "VpcEndpointLimitExceeded").status
    400
    >>> refuse("CreateVpcEndpoint", "InternalError", times=1).status
    500
    """
    kwargs.setdefault("times", None)
    return Fault("ec2", operation, EC2_STATUS.get(code, 400), code, message, **kwargs)


@dataclass
class FaultLayer:
    faults: list[Fault] = field(default_factory=list)
    #: (service, operation) -> requests that reached the HTTP layer (retries included).
    attempts: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Delays botocore's retry loop asked to sleep, in order.
    sleeps: list[float] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: Called with (service, operation) before a request is processed, outside the lock
    #: (the concurrency tests hold threads there, so that their calls collide).
    before: Callable[[str, str], None] | None = None

    def add(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def clear(self) -> None:
        self.faults.clear()
        self.attempts.clear()
        self.sleeps.clear()

    def tried(self, operation: str, service: str = "ec2") -> int:
        return self.attempts[(service, operation)]

    def _fault_for(self, service: str, operation: str, request: AWSPreparedRequest) -> Fault | None:
        params: dict[str, list[str]] = {}
        if service in ("ec2", "sns", "sqs", "sts") and request.body:
            body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
            params = parse_qs(body.decode(errors="replace"))
        for fault in self.faults:
            if fault.matches(service, operation, params):
                fault.hits += 1
                return fault
        return None

    def handle(
        self,
        original: Callable[..., AWSResponse | None],
        stubber: BotocoreStubber,
        event_name: str,
        request: AWSPreparedRequest,
        **kwargs: Any,
    ) -> AWSResponse | None:
        if not stubber.enabled:
            return None
        _, service_id, operation = event_name.split(".", 2)
        service = SERVICE_IDS.get(service_id, service_id)
        if self.before is not None:
            self.before(service, operation)
        with self.lock:
            self.attempts[(service, operation)] += 1
            fault = self._fault_for(service, operation, request)
            if fault is not None and not fault.lost_response:
                return fault.response(request)
            response = original(stubber, event_name, request, **kwargs)
            if fault is not None:
                return fault.response(request)
            return response


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> FaultLayer:
    """A :class:`FaultLayer` in front of moto for the test (use with the ``aws`` fixture)."""
    layer = FaultLayer()
    original = BotocoreStubber.__call__

    def call(stubber: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        return layer.handle(original, stubber, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", call)
    # botocore's retry loop calls time.sleep(delay) in botocore.endpoint: record, don't wait.
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=layer.sleeps.append))
    return layer

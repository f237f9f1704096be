"""Route 53, Route 53 Resolver and Route 53 Profiles as AWS answers them, where moto differs.

:func:`strict_dns` is entered by :func:`tests.support.strict_ec2.strict_ec2` (every test's
``aws`` fixture); its knobs live on the same :class:`~tests.support.strict_ec2.RealEc2`.
Each behaviour cites its source and has a model test in
``tests/functional/real_ec2/test_strict_dns.py``.

- **Route 53 Profiles** (moto: 404 "Not yet implemented"), answered at the HTTP level so that
  every client sees them: ``ListProfileAssociations`` (``resourceId`` filter) and
  ``ListProfileResourceAssociations`` with resources of every kind (hosted zones, Resolver
  rules, interface endpoints, DNS Firewall rule groups), optionally filtered by
  ``resourceType``. Which ``ResourceType`` strings the API returns for zones, rules and
  endpoints is **not documented** (only ``FIREWALL_RULE_GROUP`` is, in the API reference's
  examples); the model answers the IAM condition values (``HostedZone``, ``ResolverRule``,
  ``VPCEndpoint``), so that code which relies on the type rather than the ARN is caught by the
  model tests. ``profile_failures``: every Profiles call answers that error code.
- **Resolver** (moto implements rules, associations and endpoints): ``DomainName`` comes back
  with its trailing dot, and every VPC has Resolver's autodefined ``RECURSIVE`` rule for
  ``.`` and its association, which ``ListResolverRules`` and
  ``ListResolverRuleAssociations`` list (moto has neither). ``resolver_failures``: every
  Resolver call answers that error code.
- **Route 53 record names** with ``*`` come back as ``\\052`` (moto returns ``*``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from moto.ec2.models import ec2_backends
from moto.route53.responses import Route53
from moto.route53resolver.models import ResolverRule
from moto.route53resolver.responses import Route53ResolverResponse

# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-overview-forward-vpc-to-network.html
# ("Resolver automatically creates autodefined system rules"); the ids and names as recorded
# in inspec-aws tests and terraformer exports (../shared facts, "Route 53 Resolver rules").
AUTODEFINED_RULE = {
    "Id": "rslvr-autodefined-rr-internet-resolver",
    "DomainName": ".",
    "Status": "COMPLETE",
    "RuleType": "RECURSIVE",
    "Name": "Internet Resolver",
    "OwnerId": "Route 53 Resolver",
    "ShareStatus": "NOT_SHARED",
}
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-conditions-route53.html
# (route53profiles:ResourceTypes values; the API's own strings are not documented).
PROFILE_TYPES = (
    (":hostedzone/", "HostedZone"),
    (":resolver-rule/", "ResolverRule"),
    (":vpc-endpoint/", "VPCEndpoint"),
    (":firewall-rule-group/", "FirewallRuleGroup"),
)


class Knobs(Protocol):
    profile_associations: dict[str, str]
    profile_zones: dict[str, list[str]]
    profile_failures: list[str]
    resolver_failures: list[str]


def _error(code: str) -> tuple[int, dict[str, str], str]:
    body = json.dumps({"__type": code, "message": f"{code} (modelled)"})
    return 400, {"x-amzn-errortype": code}, body


def profiles_answer(real: Knobs, request: Any) -> tuple[int, dict[str, str], str]:
    """Route 53 Profiles (not in moto): the VPC's association and the profile's resources.

    https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53profiles_ListProfileAssociations.html
    https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53profiles_ListProfileResourceAssociations.html
    """
    if real.profile_failures:
        return _error(real.profile_failures[0])
    url = urlparse(request.url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    if url.path == "/profileassociations":
        vpc = query.get("resourceId")
        items = [
            {"Id": f"rpassoc-{v}", "ProfileId": p, "ResourceId": v, "Status": "COMPLETE"}
            for v, p in sorted(real.profile_associations.items())
            if vpc in (None, v)
        ]
        return 200, {}, json.dumps({"ProfileAssociations": items})
    profile = url.path.rsplit("/", 1)[-1]
    items = []
    for i, arn in enumerate(real.profile_zones.get(profile, [])):
        kind = next((t for part, t in PROFILE_TYPES if part in arn), "")
        if query.get("resourceType") not in (None, kind):
            continue
        items.append(
            {
                "Id": f"rpr-{i}",
                "ProfileId": profile,
                "ResourceArn": arn,
                "ResourceType": kind,
                "Name": f"resource-{i}",
                "OwnerId": arn.split(":")[4] or "123456789012",
                "Status": "COMPLETE",
            }
        )
    return 200, {}, json.dumps({"ProfileResourceAssociations": items})


def _with_dot(name: str) -> str:
    return name if name.endswith(".") else f"{name}."


@contextmanager
def strict_dns(real: Knobs) -> Iterator[Callable[[Any], tuple[int, dict[str, str], str] | None]]:
    """Patch moto's Resolver and Route 53 answers; yields the HTTP-level answerer of the
    services moto lacks (``None`` for a request it leaves to moto)."""
    original_rule = ResolverRule.description
    original_rules = Route53ResolverResponse.list_resolver_rules
    original_associations = Route53ResolverResponse.list_resolver_rule_associations
    original_records = Route53.list_resource_record_sets

    def rule_description(self: Any) -> dict[str, Any]:
        # https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ResolverRule.html
        # (DomainName "example.com." with its trailing dot; terraform-provider-aws #14298).
        described: dict[str, Any] = original_rule(self)
        described["DomainName"] = _with_dot(str(described["DomainName"]))
        return described

    def list_resolver_rules(self: Any) -> str:
        body = json.loads(original_rules(self))
        if not self._get_param("NextToken"):
            body["ResolverRules"] = [AUTODEFINED_RULE, *body["ResolverRules"]]
        return json.dumps(body)

    def list_resolver_rule_associations(self: Any) -> str:
        body = json.loads(original_associations(self))
        if not self._get_param("NextToken"):
            wanted = None
            for item in self._get_param("Filters") or []:
                if item.get("Name") == "VPCId":
                    wanted = set(item.get("Values", []))
            vpcs = ec2_backends[self.current_account][self.region].vpcs
            body["ResolverRuleAssociations"] = [
                {
                    "Id": f"rslvr-autodefined-assoc-{vpc}-internet-resolver",
                    "ResolverRuleId": AUTODEFINED_RULE["Id"],
                    "Name": "System Rule Association",
                    "VPCId": vpc,
                    "Status": "COMPLETE",
                }
                for vpc in sorted(vpcs)
                if wanted is None or vpc in wanted
            ] + body["ResolverRuleAssociations"]
        return json.dumps(body)

    def list_resource_record_sets(self: Any) -> Any:
        # https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html
        # (an asterisk in a name comes back from the API as the escape code \052).
        result: Any = original_records(self)
        escaped = []
        for record in result.result["ResourceRecordSets"]:
            shown = copy.copy(record)
            shown.name = str(record.name).replace("*", "\\052")
            escaped.append(shown)
        result.result["ResourceRecordSets"] = escaped
        return result

    def answer(request: Any) -> tuple[int, dict[str, str], str] | None:
        netloc = urlparse(request.url).netloc
        if netloc.startswith("route53profiles."):
            return profiles_answer(real, request)
        if netloc.startswith("route53resolver.") and real.resolver_failures:
            return _error(real.resolver_failures[0])
        return None

    ResolverRule.description = rule_description  # type: ignore[method-assign]
    Route53ResolverResponse.list_resolver_rules = list_resolver_rules  # type: ignore[method-assign]
    Route53ResolverResponse.list_resolver_rule_associations = list_resolver_rule_associations  # type: ignore[method-assign]
    Route53.list_resource_record_sets = list_resource_record_sets  # type: ignore[method-assign]
    try:
        yield answer
    finally:
        ResolverRule.description = original_rule  # type: ignore[method-assign]
        Route53ResolverResponse.list_resolver_rules = original_rules  # type: ignore[method-assign]
        Route53ResolverResponse.list_resolver_rule_associations = original_associations  # type: ignore[method-assign]
        Route53.list_resource_record_sets = original_records  # type: ignore[method-assign]

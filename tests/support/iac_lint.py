"""What the CloudFormation lint tests share with the unit tests: resources left undescribed,
and every scenario's CloudFormation as the linters read it (:func:`cloudformation_texts`).

The scenarios name some resources by readable ids (``sg-0tool``) that are not in EC2's format,
which cfn-lint checks; :data:`REAL_IDS` gives each one an id of the real format before linting
(an id a real snapshot holds always has it).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from remediation.iac import cloudformation
from tests.support.iac_scenarios import SCENARIOS, Scenario

#: Readable ids of the scenarios -> ids of EC2's format (``sg-`` and 8 or 17 hex digits).
REAL_IDS = {"sg-0tool": "sg-0123456789abcdef0"}


def undescribed() -> Scenario:
    """The tool's group with a rule that lost its description (edited by hand, say)."""
    scenario = SCENARIOS["tool_created"]()
    groups = tuple(
        replace(g, ingress=tuple(replace(r, description="") for r in g.ingress))
        for g in scenario.snapshot.security_groups
    )
    snapshot = replace(scenario.snapshot, security_groups=groups)
    return replace(scenario, name="undescribed", snapshot=snapshot)


def real(text: str) -> str:
    """A template with each readable id replaced by an id of EC2's format."""
    for readable, real_id in REAL_IDS.items():
        text = text.replace(readable, real_id)
    return text


@cache
def cloudformation_texts() -> dict[str, str]:
    """``{file name: template}`` of every scenario and of :func:`undescribed`: its template
    (``<name>.yaml``) and its import template (``<name>.import.yaml``, where there is one),
    as the tool writes them (readable ids kept: see :func:`real`)."""
    scenarios = [SCENARIOS[name]() for name in sorted(SCENARIOS)] + [undescribed()]
    texts: dict[str, str] = {}
    for scenario in scenarios:
        out = cloudformation.render(scenario.code())
        for suffix, text in ((".yaml", out.template), (".import.yaml", out.import_template)):
            if text:
                texts[f"{scenario.name}{suffix}"] = text
    return texts

"""EXTRA_TAGS (issue 20 item 8): tags that tag policies or SCPs require, checked against EC2's
tag rules; anything unreadable is reported and makes the run dry-run, never wider."""

from __future__ import annotations

import pytest

from remediation.config import load_settings
from remediation.config.deployment import partition_problem
from remediation.config.endpoints import parse_extra_tags
from remediation.modes import Mode, ModeReason

ACCOUNT = "111122223333"
AUTO_FIX = {"REMEDIATION_MODE": "auto-fix", "AUTO_FIX_ACCOUNT_IDS": ACCOUNT}


def test_tags_are_read_in_order_with_blanks_around_them_ignored() -> None:
    settings = load_settings(
        {**AUTO_FIX, "EXTRA_TAGS": " cost-center = 4711 ,team=platform/net, empty= ,"},
        account_id=ACCOUNT,
    )
    assert settings.extra_tags == (("cost-center", "4711"), ("team", "platform/net"), ("empty", ""))
    assert settings.mode is Mode.AUTO_FIX and settings.problems == ()


def test_no_tags_by_default() -> None:
    assert load_settings({}).extra_tags == ()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("novalue", "is not key=value"),
        ("=value", "is not key=value"),
        ("aws:createdBy=me", "reserved for AWS"),
        ("AWS:x=1", "reserved for AWS"),
        ("Name=mine", "one the tool writes itself"),
        ("ecr-endpoint-guard/managed=false", "one the tool writes itself"),
        ("a=1,a=2", "given twice"),
        ("k" * 129 + "=v", "at most 128"),
        ("k=" + "v" * 257, "at most 128 characters, values 256"),
        ("owner=ops;drop", "only letters, digits"),
        ("line=a\nb", "only letters, digits"),
        (",".join(f"k{i}=v" for i in range(46)), "at most 45 tags"),
    ],
)
def test_a_tag_that_breaks_ec2_s_rules_is_reported_and_the_run_is_dry_run(
    text: str, why: str
) -> None:
    settings = load_settings({**AUTO_FIX, "EXTRA_TAGS": text}, account_id=ACCOUNT)
    assert settings.mode is Mode.DRY_RUN
    assert settings.mode_reason is ModeReason.CONFIGURATION
    assert any(why in p and p.startswith("EXTRA_TAGS") for p in settings.problems), (
        settings.problems
    )


def test_the_good_pairs_of_a_bad_list_are_still_read() -> None:
    tags, problems = parse_extra_tags("team=net,aws:x=1")
    assert tags == (("team", "net"),) and len(problems) == 1


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov", "aws-iso", ""])
def test_partitions_other_than_aws_are_refused_with_a_reason(partition: str) -> None:
    assert "is not supported by this version" in partition_problem(partition)


def test_botocore_names_the_partitions_the_refusal_speaks_of() -> None:
    import boto3  # botocore's partition data, read locally (no call)

    session = boto3.session.Session()
    assert session.get_partition_for_region("us-east-1") == "aws"
    assert partition_problem(session.get_partition_for_region("eu-central-1")) == ""
    for region in ("cn-north-1", "cn-northwest-1", "us-gov-west-1"):
        assert partition_problem(session.get_partition_for_region(region))

"""The AWS side every command shares: the session, its regions, and the caller's account.

Regions are checked against botocore's own data (no network), so that a misspelt one is
refused before any call; the account comes from STS, which doubles as the credentials check.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import boto3
from botocore.config import Config

from remediation.aws.clients import RETRIES, make_clients
from remediation.aws.errors import check_answer
from remediation.cli.errors import CliError
from remediation.config.deployment import sdk_region
from remediation.events.triggers import REGION

#: The first call of a run (STS) fails fast: a wrong endpoint URL should not wait for retries.
PROBE = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=3, read_timeout=10)


def timeouts(connect: float | None, read: float | None) -> Config | None:
    """``--connect-timeout`` and ``--read-timeout`` as a botocore ``Config`` to merge into the
    clients' own (``None``: neither given).

    >>> timeouts(None, None) is None, timeouts(5, None).connect_timeout
    (True, 5)
    """
    if not (connect or read):
        return None
    if connect and read:
        return Config(connect_timeout=connect, read_timeout=read)
    return Config(connect_timeout=connect) if connect else Config(read_timeout=read)


def with_timeouts(base: Config, extra: Config | None) -> Config:
    return base if extra is None else base.merge(extra)


def regions(session: boto3.session.Session, asked: Sequence[str] | None) -> list[str]:
    """The regions asked for (``--region``, deduplicated), else the session's region (the
    profile's or ``AWS_DEFAULT_REGION``), else ``AWS_REGION``.

    Raises
    ------
    CliError
        No region at all, or one that is not an EC2 region botocore knows.
    """
    if asked:
        chosen = list(dict.fromkeys(r.strip() for r in asked))
    elif session.region_name:
        chosen = [session.region_name]
    elif sdk_region(os.environ):  # the SDKs' other spelling (Lambda sets it)
        chosen = [sdk_region(os.environ)]
    else:
        raise CliError(
            "no region: pass --region, or set AWS_REGION, AWS_DEFAULT_REGION or a profile region"
        )
    known = known_regions(session)
    for region in chosen:
        if not REGION.fullmatch(region) or (known and region not in known):
            raise CliError(
                f"unknown region {region!r}: not an EC2 region that botocore "
                f"{_botocore_version()} knows (e.g. us-east-1, eu-west-1)"
            )
    return chosen


def known_regions(session: boto3.session.Session) -> set[str]:
    """EC2 regions of every partition, from botocore's own data (no network)."""
    return {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("ec2", partition_name=partition)
    }


def _botocore_version() -> str:
    import botocore  # noqa: PLC0415 - only for this message

    return str(botocore.__version__)


def account_id(session: boto3.session.Session, region: str, endpoint_url: str | None) -> str:
    """The caller's account (STS GetCallerIdentity): also the credentials check, failing fast."""
    return identity(session, region, endpoint_url)[0]


def identity(
    session: boto3.session.Session,
    region: str,
    endpoint_url: str | None,
    extra: Config | None = None,
) -> tuple[str, str]:
    """The caller's account and partition (``aws``, ``aws-cn``...), from STS GetCallerIdentity.

    The partition, read from the caller's ARN, names the member roles to assume
    (``arn:<partition>:iam::<account>:role/<name>``).
    """
    sts = session.client(
        "sts", region_name=region, endpoint_url=endpoint_url, config=with_timeouts(PROBE, extra)
    )
    sts.meta.events.register("before-parse.sts", check_answer(str(sts.meta.endpoint_url)))
    answer = sts.get_caller_identity()
    if not answer.get("Account"):  # an emulator or proxy answering something else
        raise CliError(
            f"{sts.meta.endpoint_url} answered GetCallerIdentity without an account: not an "
            "AWS API (is the endpoint URL right?)"
        )
    arn = str(answer.get("Arn", ""))
    partition = arn.split(":")[1] if arn.startswith("arn:") and arn.count(":") >= 2 else "aws"
    return str(answer["Account"]), partition or "aws"


def enabled_regions(
    session: boto3.session.Session,
    region: str,
    endpoint_url: str | None,
    extra: Config | None = None,
) -> list[str]:
    """Every region enabled for the account (EC2 DescribeRegions), sorted."""
    config = with_timeouts(RETRIES, extra)
    ec2 = make_clients(region, session=session, endpoint_url=endpoint_url, config=config).ec2
    found = ec2.describe_regions()["Regions"]
    return sorted(str(r["RegionName"]) for r in found)

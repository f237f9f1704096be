"""Endpoint policies the tests share: the seed article's, one that denies pulls, one for another
bucket."""

from __future__ import annotations

import json
from typing import Any

from tests.support.aws import ACCOUNT, REGION

LAYERS = f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


SEED_ECR = policy(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
    }
)


SEED_S3 = policy(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"],
        "Resource": [LAYERS, f"{LAYERS}/*"],
    }
)


DENY_PULLS = policy(
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
    {
        "Sid": "NoPulls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "ecr:BatchGetImage",
        "Resource": "*",
    },
)


OTHER_BUCKET = policy(
    {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::my-data/*"}
)

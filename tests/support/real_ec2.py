"""Constants the real-EC2 tests share."""

from __future__ import annotations

from tests.support.aws import REGION

DKR = f"com.amazonaws.{REGION}.ecr.dkr"

"""The unit tests' guard (tests/conftest.py) holds: what a unit test may not reach."""

from __future__ import annotations

import socket
import subprocess

import boto3
import pytest

from tests.conftest import ImpureUnitTest


def test_a_subprocess_is_refused() -> None:
    with pytest.raises(ImpureUnitTest, match="subprocess"):
        subprocess.run(["true"], check=False)  # noqa: S607 - never started


def test_a_network_connection_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(ImpureUnitTest, match="network"):
        sock.connect(("127.0.0.1", 9))


def test_an_aws_call_is_refused_even_to_an_emulator() -> None:
    sts = boto3.session.Session().client(
        "sts", region_name="us-east-1", endpoint_url="http://127.0.0.1:9"
    )
    with pytest.raises(ImpureUnitTest, match="AWS"):
        sts.get_caller_identity()

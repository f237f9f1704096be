"""Sessions share the process's botocore data loader (src/remediation/aws/session.py): a
service's model is parsed once a process, not once a session (the CLI across accounts, member
roles, the demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import ProfileNotFound

from remediation.aws import session as shared
from remediation.aws.session import new_session
from tests.conftest import BOTOCORE_REGISTER_DATA_LOADER


@pytest.fixture(autouse=True)
def own_loaders(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore as it is outside the tests (a loader per session: tests/conftest.py shares
    one), and no loader kept yet."""
    monkeypatch.setattr(
        botocore.session.Session, "_register_data_loader", BOTOCORE_REGISTER_DATA_LOADER
    )
    monkeypatch.setattr(shared, "_LOADER", [])


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The model files parsed from JSON, in order."""
    seen: list[str] = []
    original = botocore.loaders.JSONFileLoader.load_file

    def load_file(self: Any, file_path: str) -> Any:
        seen.append(file_path)
        return original(self, file_path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", load_file)
    return seen


def loader(session: boto3.session.Session) -> Any:
    return session._session.get_component("data_loader")


def test_a_second_session_parses_no_model_again(parsed: list[str]) -> None:
    new_session().client("ec2", region_name="us-east-1")
    assert any("ec2" in p for p in parsed)
    parsed.clear()
    member = new_session(access_key="AKIDEXAMPLE", secret_key="secret", token="token")
    member.client("ec2", region_name="eu-west-1")
    assert parsed == []
    # botocore's own sessions (what the tool made before) parse it again: the test can fail
    boto3.session.Session().client("ec2", region_name="us-east-1")
    assert any("ec2" in p for p in parsed)


def test_every_session_reads_through_the_first_ones_loader() -> None:
    first = new_session()
    others = [new_session(access_key="AKIDEXAMPLE", secret_key="s") for _ in range(50)]
    assert all(loader(s) is loader(first) for s in others)
    assert loader(boto3.session.Session()) is not loader(first)
    # boto3 adds its data folder at each session: the loader's search list does not grow
    paths = loader(first).search_paths
    assert len(paths) == len(set(paths))


def test_the_credentials_and_region_given_are_the_sessions() -> None:
    member = new_session(
        access_key="AKIDEXAMPLE", secret_key="secret", token="token", region_name="eu-west-1"
    )
    credentials = member.get_credentials()
    assert credentials is not None
    assert (credentials.access_key, credentials.secret_key, credentials.token) == (
        "AKIDEXAMPLE",
        "secret",
        "token",
    )
    assert member.region_name == "eu-west-1"


def test_a_missing_profile_fails_when_the_session_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As boto3's own session does, before any loader is shared and after."""
    config = tmp_path / "config"
    config.write_text("[profile team]\nregion = eu-west-1\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for variable in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    assert new_session(profile_name="team").region_name == "eu-west-1"
    with pytest.raises(ProfileNotFound):
        new_session(profile_name="nope")
    with pytest.raises(ProfileNotFound):
        boto3.session.Session(profile_name="nope")

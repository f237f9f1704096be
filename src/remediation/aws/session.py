"""boto3 sessions that share one botocore data loader: each service model is parsed once a process.

A botocore session parses a service's model from JSON the first time it makes a client of that
service (EC2's model is megabytes of JSON: about 70 ms). One process of the tool opens several
sessions: the CLI one per command and one per use of the caller's own credentials across
accounts (sessions are not shared between threads), the organisation mode one per member
account. Each parsed the same models again; the demo, which runs every face in one process,
parsed EC2's nineteen times. The models are read-only data, so every session made here reads
them through the first one's loader.

The loader is made from the first session's configuration: its ``data_path`` (extra model
folders, ``AWS_DATA_PATH``) applies to all. boto3 appends its own data folder to a session's
loader each time it makes a session; the copy is dropped here, so the loader's search list does
not grow with every member session of a long-lived execution environment.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.session

_LOCK = threading.Lock()
#: The process's loader, once the first session has made it.
_LOADER: list[Any] = []


def new_session(
    *,
    profile_name: str | None = None,
    region_name: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    token: str | None = None,
) -> boto3.session.Session:
    """A boto3 session (a profile's, the default chain's, or of the credentials given) that
    reads service models through the process's one data loader."""
    core = botocore.session.get_session()
    if profile_name is not None:
        core.set_config_variable("profile", profile_name)
        core.get_scoped_config()  # a missing profile fails here, as boto3's own session does
    with _LOCK:  # sessions are made in the threads that use them
        if _LOADER:
            core.register_component("data_loader", _LOADER[0])
        session = boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            aws_session_token=token,
            region_name=region_name,
            botocore_session=core,
        )
        loader = core.get_component("data_loader")
        if not _LOADER:
            _LOADER.append(loader)
        paths = loader.search_paths
        if paths and paths.count(paths[-1]) > 1:  # boto3's folder, appended again
            paths.pop()
    return session

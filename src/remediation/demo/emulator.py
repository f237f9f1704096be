"""An AWS emulator on loopback (moto's server, in this process) and an environment pointing at it.

Setting ``AWS_ENDPOINT_URL`` makes every boto3 client use the emulator, the
Lambda handler's and the CLI's included, with no code path of their own for
the demo. Fake credentials, a region, and empty AWS config files keep a real
profile or credential process on this machine out of the way: nothing here
can reach AWS.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import socket
import tempfile
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: How many new container objects start a collection of the youngest generation in a process
#: that hosts the emulator (Python's default: 700, 2,000 from 3.13).
YOUNGEST_GENERATION = 100_000


def collect_less() -> None:
    """Tune the garbage collector of a process that hosts the emulator: the demo, the tests.

    Every call is built, sent, parsed, answered and parsed again by botocore and moto in one
    process, and the collector kept walking what lives as long as the process (the emulator's
    state, the parsed service models, every module). That is collected once and frozen out of
    the collector's sight, and the youngest generation is collected every
    :data:`YOUNGEST_GENERATION` allocations. Reference counting still frees almost everything
    at once; only cycles wait longer. Measured: ``make demo`` 14.4 s to 10.5 s, the suite's CPU
    4 % lower (docs/performance.md). The function and the CLI keep Python's defaults.
    """
    gc.collect()
    gc.freeze()
    fewer_collections()


def fewer_collections() -> None:
    """The youngest generation collected every :data:`YOUNGEST_GENERATION` allocations, the
    older ones at least half as often as Python's default; nothing collected or frozen now.

    For a process still loading what it keeps: the tests' collection, which parses and rewrites
    every test module (a worker's collection 5.7 s to 4.0 s), before :func:`collect_less`.
    """
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST_GENERATION, max(middle, 20), max(oldest, 20))


#: Variables that could point boto3 elsewhere, or at real credentials; cleared for the demo.
CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_CA_BUNDLE",
)


@contextmanager
def patched_environ(
    values: Mapping[str, str], cleared: tuple[str, ...] = CLEARED
) -> Iterator[None]:
    """Set ``values`` and remove ``cleared`` in ``os.environ``; restore everything afterwards."""
    saved = {key: os.environ.get(key) for key in (*values, *cleared)}
    try:
        for key in cleared:
            os.environ.pop(key, None)
        os.environ.update(values)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def emulator_environ(url: str, region: str, config_dir: Path) -> dict[str, str]:
    """The environment that points boto3 at the emulator with fake credentials."""
    empty = config_dir / "empty"
    empty.write_text("", encoding="utf-8")
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
        # The demo uses no AMI: skipping moto's catalogue saves seconds on the first EC2 call.
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    }


def _stop(server: Any, host: str, port: int) -> None:
    """Stop the server now rather than at its next poll.

    The server's loop (Python's ``socketserver``) looks for a shutdown request every half
    second, so ``stop()`` alone waits up to 0.5 s (measured: 0.49 s each time). A connection
    wakes the loop, which then sees the request; the connection carries nothing and is closed.
    """
    stopping = threading.Thread(target=server.stop, name="emulator-stop", daemon=True)
    stopping.start()
    while stopping.is_alive():
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            pass
        stopping.join(0.02)


@contextmanager
def running_emulator(region: str) -> Iterator[str]:
    """Start moto's server on 127.0.0.1 (a free port), point boto3 at it, yield its URL.

    The emulator starts empty (but for the default VPC that every region has). The
    server, the environment and the temporary files are all undone on exit.
    """
    # moto is a development dependency (the `dev` extra), needed by the demo only.
    from moto.server import ThreadedMotoServer  # noqa: PLC0415

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        url = f"http://{host}:{port}"
        # An empty account even when moto already holds state in this process (tests).
        reset = urllib.request.Request(f"{url}/moto-api/reset", method="POST")  # noqa: S310
        urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310 - loopback, http only
        with (
            tempfile.TemporaryDirectory(prefix="ecr-endpoint-guard-demo-") as tmp,
            patched_environ(emulator_environ(url, region, Path(tmp))),
        ):
            yield url
    finally:
        _stop(server, host, port)

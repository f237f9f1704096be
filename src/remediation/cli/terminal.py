"""Terminal I/O: the streams, the one confirmation prompt, progress, and engine logs.

Every write to the terminal goes through here, so that what reaches it is safe
(:func:`clean`) and one line per error. ``sys.stdin``/``sys.stderr`` are looked up at each
call: tests and the demo replace them.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from remediation.cli.errors import MAX_ERROR, CliError, one_line
from remediation.engine.chunks import CHUNK
from remediation.text import marked

PROG = "ecr-endpoint-guard"
YES_WORDS = frozenset({"y", "yes"})


def clean(text: str, width: int) -> str:
    """Text safe for a terminal: every control or format character shown as ``?`` (line
    breaks included), at most ``width`` characters (:func:`remediation.text.marked`).

    A VPC's Name tag can hold anything, escape sequences included.

    >>> clean("app\\x1b[31m\\tprod", 40)
    'app?[31m?prod'
    >>> clean("x" * 30, 10)
    'xxxxxxx...'
    """
    return marked(text, width)


def out(text: str) -> None:
    """A result, on stdout (a table, or the one JSON document)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def info(text: str) -> None:
    sys.stderr.write(f"{PROG}: {text}\n")


def warn(text: str) -> None:
    sys.stderr.write(f"{PROG}: warning: {one_line(text)}\n")


def error(text: str) -> None:
    sys.stderr.write(f"{PROG}: error: {one_line(text)}\n")


def require_confirmation_or_yes(yes: bool, refusal: str) -> None:
    """Refuse (before any AWS call) a change that nobody can confirm: no ``--yes`` and
    standard input is not a terminal.

    Raises
    ------
    CliError
        With ``refusal`` as its text.
    """
    if not yes and not sys.stdin.isatty():
        raise CliError(refusal)


def confirm(question: str) -> bool:
    """Ask on stderr, read one line from stdin: only ``y`` or ``yes`` is a yes.

    The one prompt of the CLI: ``scan --fix`` and ``release`` both ask through it.
    """
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in YES_WORDS


class Progress:
    """A one-line progress indicator on stderr, only when stderr is a terminal."""

    def __init__(
        self, stream: TextIO, *, regions: int, chunk: int = CHUNK, enabled: bool = True
    ) -> None:
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self.regions = regions
        self.chunk = chunk
        self.width = 0

    def update(self, index: int, region: str, done: int, total: int) -> None:
        if not self.enabled or (self.regions == 1 and total <= self.chunk):
            return
        where = f"region {index}/{self.regions} {region}" if self.regions > 1 else region
        text = f"{PROG}: {where}: {done}/{total} VPCs"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.enabled and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


class AccountProgress:
    """``accounts 2/5 done`` on stderr, only when stderr is a terminal.

    Accounts are scanned in parallel threads: each finished account updates the one line
    under a lock (the per-region progress is off in a scan across accounts).
    """

    def __init__(self, stream: TextIO, *, accounts: int, verb: str = "scanned") -> None:
        self.stream = stream
        self.enabled = stream.isatty() and accounts > 1
        self.accounts = accounts
        self.verb = verb
        self.done = 0
        self.width = 0
        self.lock = threading.Lock()

    def finished(self, account_id: str, what: str) -> None:
        with self.lock:
            self.done += 1
            if not self.enabled:
                return
            text = clean(
                f"{PROG}: accounts {self.done}/{self.accounts} {self.verb}: {account_id} {what}",
                160,
            )
            self.stream.write("\r" + text.ljust(self.width))
            self.stream.flush()
            self.width = len(text)

    def clear(self) -> None:
        with self.lock:
            if self.enabled and self.width:
                self.stream.write("\r" + " " * self.width + "\r")
                self.stream.flush()
                self.width = 0


class LogFormatter(logging.Formatter):
    """``level: message key=value...`` with the engine's structured keys."""

    KEYS = ("vpc_id", "endpoint_service", "finding", "action", "outcome", "detail", "error")

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{key}={getattr(record, key)}" for key in self.KEYS if getattr(record, key, "")
        )
        text = f"{PROG}: {record.levelname.lower()}: {record.getMessage()}"
        return clean(one_line(f"{text} {extras}" if extras else text), MAX_ERROR)


class Redacted(logging.Filter):
    """``--debug``: botocore's wire logs with the credentials and signatures taken out."""

    SECRETS = re.compile(
        r"(?i)((?:x-amz-security-token|authorization|x-amz-signature|signature|credential|"
        r"x-amz-credential|aws_secret_access_key|secretaccesskey|sessiontoken|"
        r"aws_access_key_id|accesskeyid)['\"]?\s*[:=]\s*b?['\"]?)[^'\",\s}&<>]+"
    )

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.SECRETS.sub(r"\1<redacted>", record.getMessage())
        record.args = ()
        return True


def attach_log_handler(verbose: bool, *, debug: bool = False) -> Callable[[], None]:
    """Engine logs to stderr: warnings by default (errors come back as values), all with -v;
    with ``debug``, botocore's requests and answers too (credentials redacted).

    Returns the function that detaches the handler again.
    """
    if debug:
        wire = logging.getLogger("botocore")
        wire_handler = logging.StreamHandler(sys.stderr)
        wire_handler.addFilter(Redacted())
        wire_handler.setFormatter(logging.Formatter(f"{PROG}: debug: %(name)s: %(message)s"))
        before = wire.level
        wire.addHandler(wire_handler)
        wire.setLevel(logging.DEBUG)
        inner = attach_log_handler(verbose)

        def detach_all() -> None:
            inner()
            wire.removeHandler(wire_handler)
            wire.setLevel(before)

        return detach_all
    logger = logging.getLogger("remediation")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogFormatter())
    previous = logger.level
    if verbose:
        handler.setLevel(logging.INFO)
        logger.setLevel(logging.INFO)
    else:
        handler.setLevel(logging.WARNING)
        handler.addFilter(lambda record: record.levelno < logging.ERROR)
    logger.addHandler(handler)

    def detach() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    return detach

"""Scans across accounts without AWS: the account options, and the bounded runner (order kept,
a defect raised, no account started after an interrupt)."""

from __future__ import annotations

import threading
import time

import boto3
import pytest

from remediation import cli
from remediation.cli import accounts as cli_accounts
from tests.support.cli import (
    MEMBER_A,
    MEMBER_B,
    ROLE,
    accounts_argv,
)


def test_the_account_options_parse() -> None:
    args = cli.build_parser().parse_args(
        [*accounts_argv(MEMBER_A, MEMBER_B), "--max-parallel", "3"]
    )
    assert (args.accounts, args.role_name, args.max_parallel) == ([MEMBER_A, MEMBER_B], ROLE, 3)
    plain = cli.build_parser().parse_args(["scan"])
    assert (plain.accounts, plain.organization, plain.role_name, plain.max_parallel) == (
        None,
        False,
        None,
        None,
    )


def test_run_bounded_keeps_the_order_and_raises_a_defect() -> None:
    assert cli_accounts.run_bounded([5, 1, 3], lambda n: n + 1, max_parallel=3) == [6, 2, 4]
    stop = threading.Event()

    def broken(n: int) -> int:
        if n == 2:
            raise RuntimeError("bug")
        return n

    with pytest.raises(RuntimeError, match="bug"):
        cli_accounts.run_bounded([1, 2, 3], broken, max_parallel=2, stop=stop)
    assert stop.is_set()


def test_an_interrupt_starts_no_further_account() -> None:
    """Ctrl-C reaches the main thread as KeyboardInterrupt: the accounts not started are
    cancelled, and ``stop`` tells those running to start no further region."""
    started: list[int] = []
    stop = threading.Event()

    def work(n: int) -> int:
        started.append(n)
        if n == 1:
            raise KeyboardInterrupt
        time.sleep(0.2)
        return n

    with pytest.raises(KeyboardInterrupt):
        cli_accounts.run_bounded(list(range(1, 9)), work, max_parallel=2, stop=stop)
    assert stop.is_set()
    time.sleep(0.3)  # what was running has finished; nothing else was started
    assert len(started) <= 3, started
    sessions = cli_accounts.Sessions(own=boto3.session.Session, stop=stop)
    with pytest.raises(cli_accounts.Stopped):
        sessions.open(cli_accounts.Target(MEMBER_A))

"""The local demo: the whole job against an AWS emulator on loopback, no AWS account needed.

Run it with ``make demo`` or ``python -m remediation.demo``. It needs moto's
server (the ``dev`` extra). :func:`~remediation.demo.account.build_demo_account`
builds the demo's account; tests use it too.
"""

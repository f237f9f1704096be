"""Names vulture cannot see used (``make deadcode``): each with the reason it is alive."""

# Appliers are registered by kind with a decorator (remediation.executor.appliers.applies_to)
# and called through the registry, never by name.
enable_attribute  # noqa: B018
create_group  # noqa: B018
create_interface  # noqa: B018
create_gateway  # noqa: B018
modify_endpoint  # noqa: B018
# The demo's Lambda context: Powertools reads these attributes (logger keys).
memory_limit_in_mb  # noqa: B018
aws_request_id  # noqa: B018
# The permissions `release` needs, named in docs/failures.md for the person who runs it.
RELEASE_PERMISSIONS  # noqa: B018
# Parsed from DescribeNetworkInterfaces for the workload signatures (docs/real-ec2.md).
requester_id  # noqa: B018
# Parameters argparse and the signal module pass (argparse.Action.__call__, a SIGINT handler).
option_string  # noqa: B018
signum  # noqa: B018
# LogRecord.msg: logging formats it (the --debug redaction rewrites it).
msg  # noqa: B018

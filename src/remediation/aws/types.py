"""The types of the boto3 clients the tool uses, from the ``mypy-boto3-*`` stubs.

The stubs are a development dependency (``boto3-stubs[ec2,route53,sns,sts]``): the Lambda
artifact does not hold them, and nothing may import them at run time. So the real types
are imported under ``TYPE_CHECKING`` only (the pattern of Powertools for AWS Lambda), and
at run time each name is a plain ``object`` placeholder: a module may import these names
unguarded, and with ``from __future__ import annotations`` its annotations are never
evaluated. mypy reads the real client classes, with every operation's parameters and
response shapes.

>>> from remediation.aws.types import Ec2Client
>>> Ec2Client is object  # at run time: the stubs stay out of the artifact
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client as Ec2Client
    from mypy_boto3_route53.client import Route53Client
    from mypy_boto3_sns.client import SNSClient as SnsClient
    from mypy_boto3_sts.client import STSClient as StsClient
else:
    Ec2Client = Route53Client = SnsClient = StsClient = object

__all__ = ["Ec2Client", "Route53Client", "SnsClient", "StsClient"]

"""An SNS topic with an SQS subscriber, and what was published to it: how tests read the
function's notifications."""

from __future__ import annotations

import json
from typing import Any

from tests.support.aws import Aws


def topic_with_queue(aws: Aws) -> tuple[str, str]:
    """An SNS topic with an SQS subscriber, so tests read what was published."""
    topic = aws.sns.create_topic(Name="ecr-endpoint-guard")["TopicArn"]
    queue_url = aws.sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    aws.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue_url


def published(aws: Aws, queue_url: str) -> list[dict[str, Any]]:
    messages = aws.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    )
    return [json.loads(m["Body"]) for m in messages]

"""ecr-endpoint-guard: keep every VPC's ECR traffic on private VPC endpoints."""

__version__ = "0.1.0"

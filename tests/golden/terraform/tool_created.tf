# ecr-endpoint-guard: Terraform for vpc-00000000000000001 (sandbox),
# account 123456789012, region us-east-1.
# Built from the same plan as auto-fix. Needs Terraform 1.5 or later (import blocks)
# and the hashicorp/aws provider 5.0 or later. Review it, then `terraform plan`.

# Stops `terraform plan` while the VPC's DNS attributes are off (see above).
data "aws_vpc" "sandbox" {
  id = "vpc-00000000000000001"

  lifecycle {
    postcondition {
      condition     = self.enable_dns_support && self.enable_dns_hostnames
      error_message = "vpc-00000000000000001 has DNS support or DNS hostnames off: private DNS of its interface endpoints needs both. Set enable_dns_support and enable_dns_hostnames to true in your aws_vpc resource and apply that first."
    }
  }
}

resource "aws_security_group" "sandbox_endpoints" {
  name        = "ecr-endpoint-guard-endpoints"
  description = "ecr-endpoint-guard: HTTPS to VPC endpoints from the VPC only"
  vpc_id      = "vpc-00000000000000001"

  ingress {
    description = "HTTPS to VPC endpoints from the VPC"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/16"]
  }

  # Egress is not managed here: the group's egress rules stay as they are.
}

import {
  to = aws_security_group.sandbox_endpoints
  id = "sg-0tool"
}

resource "aws_vpc_endpoint" "sandbox_ecr_api" {
  vpc_id              = "vpc-00000000000000001"
  service_name        = "com.amazonaws.us-east-1.ecr.api"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
  security_group_ids  = [aws_security_group.sandbox_endpoints.id]
  private_dns_enabled = true

  tags = {
    Name = "ecr-endpoint-guard ecr.api"
  }
}

import {
  to = aws_vpc_endpoint.sandbox_ecr_api
  id = "vpce-0api"
}

resource "aws_vpc_endpoint" "sandbox_ecr_dkr" {
  vpc_id              = "vpc-00000000000000001"
  service_name        = "com.amazonaws.us-east-1.ecr.dkr"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
  security_group_ids  = [aws_security_group.sandbox_endpoints.id]
  private_dns_enabled = true

  tags = {
    Name = "ecr-endpoint-guard ecr.dkr"
  }
}

import {
  to = aws_vpc_endpoint.sandbox_ecr_dkr
  id = "vpce-0dkr"
}

resource "aws_vpc_endpoint" "sandbox_s3_gateway" {
  vpc_id            = "vpc-00000000000000001"
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["rtb-priv-a", "rtb-priv-b", "rtb-priv-c"]

  tags = {
    Name = "ecr-endpoint-guard s3"
  }
}

import {
  to = aws_vpc_endpoint.sandbox_s3_gateway
  id = "vpce-0s3"
}

# Hand-over: once `terraform apply` has run, tag the VPC so that the function stops
# managing it: dry-run keeps reporting (and shows drift from this code), off stops it.
#   in your aws_vpc resource: tags = { "ecr-endpoint-guard/mode" = "dry-run" }
#   or: aws ec2 create-tags --region us-east-1 --resources vpc-00000000000000001 \
#         --tags Key=ecr-endpoint-guard/mode,Value=dry-run
# The VPC has no such tag yet.

# ecr-endpoint-guard: Terraform for vpc-00000000000000001 (dual),
# account 123456789012, region us-east-1.
# Built from the same plan as auto-fix. Needs Terraform 1.5 or later (import blocks)
# and the hashicorp/aws provider 5.0 or later. Review it, then `terraform plan`.

# Stops `terraform plan` while the VPC's DNS attributes are off (see above).
data "aws_vpc" "dual" {
  id = "vpc-00000000000000001"

  lifecycle {
    postcondition {
      condition     = self.enable_dns_support && self.enable_dns_hostnames
      error_message = "vpc-00000000000000001 has DNS support or DNS hostnames off: private DNS of its interface endpoints needs both. Set enable_dns_support and enable_dns_hostnames to true in your aws_vpc resource and apply that first."
    }
  }
}

# The plan's "create security group ecr-endpoint-guard-endpoints", as your code's own group:
# named after the VPC (the tool's name marks the groups the tool itself creates).
resource "aws_security_group" "dual_endpoints" {
  name        = "dual-vpc-endpoints"
  description = "HTTPS to VPC endpoints from the VPC only"
  vpc_id      = "vpc-00000000000000001"

  ingress {
    description = "HTTPS to VPC endpoints from the VPC"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/16"]
  }

  ingress {
    description      = "HTTPS to VPC endpoints from the VPC"
    protocol         = "tcp"
    from_port        = 443
    to_port          = 443
    ipv6_cidr_blocks = ["2600:1f18::/56"]
  }

  # No egress rule: an endpoint only answers connections (stateful group).

  tags = {
    Name = "dual VPC endpoints"
  }
}

resource "aws_vpc_endpoint" "dual_ecr_api" {
  vpc_id              = "vpc-00000000000000001"
  service_name        = "com.amazonaws.us-east-1.ecr.api"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
  security_group_ids  = [aws_security_group.dual_endpoints.id]
  private_dns_enabled = true
  ip_address_type     = "dualstack"

  dns_options {
    dns_record_ip_type = "dualstack"
  }

  tags = {
    Name = "dual ecr.api"
  }
}

resource "aws_vpc_endpoint" "dual_ecr_dkr" {
  vpc_id              = "vpc-00000000000000001"
  service_name        = "com.amazonaws.us-east-1.ecr.dkr"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
  security_group_ids  = [aws_security_group.dual_endpoints.id]
  private_dns_enabled = true
  ip_address_type     = "dualstack"

  dns_options {
    dns_record_ip_type = "dualstack"
  }

  tags = {
    Name = "dual ecr.dkr"
  }
}

resource "aws_vpc_endpoint" "dual_s3_gateway" {
  vpc_id            = "vpc-00000000000000001"
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["rtb-priv-a", "rtb-priv-b", "rtb-priv-c"]

  tags = {
    Name = "dual s3 gateway"
  }
}

# Hand-over: once `terraform apply` has run, tag the VPC so that the function stops
# managing it: dry-run keeps reporting (and shows drift from this code), off stops it.
#   in your aws_vpc resource: tags = { "ecr-endpoint-guard/mode" = "dry-run" }
#   or: aws ec2 create-tags --region us-east-1 --resources vpc-00000000000000001 \
#         --tags Key=ecr-endpoint-guard/mode,Value=dry-run
# The VPC has no such tag yet.

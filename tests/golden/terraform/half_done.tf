# ecr-endpoint-guard: Terraform for vpc-00000000000000001 (payments),
# account 123456789012, region us-east-1.
# Built from the same plan as auto-fix. Needs Terraform 1.5 or later (import blocks)
# and the hashicorp/aws provider 5.0 or later. Review it, then `terraform plan`.

# Stops `terraform plan` while the VPC's DNS attributes are off (see above).
data "aws_vpc" "payments" {
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
resource "aws_security_group" "payments_endpoints" {
  name        = "payments-vpc-endpoints"
  description = "HTTPS to VPC endpoints from the VPC only"
  vpc_id      = "vpc-00000000000000001"

  ingress {
    description = "HTTPS to VPC endpoints from the VPC"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/16"]
  }

  # No egress rule: an endpoint only answers connections (stateful group).

  tags = {
    Name = "payments VPC endpoints"
  }
}

resource "aws_vpc_endpoint" "payments_ecr_dkr" {
  vpc_id              = "vpc-00000000000000001"
  service_name        = "com.amazonaws.us-east-1.ecr.dkr"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
  security_group_ids  = [aws_security_group.payments_endpoints.id]
  private_dns_enabled = true

  tags = {
    Name = "payments ecr.dkr"
  }
}

# vpce-userapi (ecr.api) was not created by ecr-endpoint-guard: the code
# that created it owns it. Make these changes there:
#   private_dns_enabled = true
#   subnet_ids: add "subnet-priv-c"

# vpce-users3 (s3) was not created by ecr-endpoint-guard: the code
# that created it owns it. Make these changes there:
#   route_table_ids: add "rtb-priv-b", "rtb-priv-c"

# Hand-over: once `terraform apply` has run, tag the VPC so that the function stops
# managing it: dry-run keeps reporting (and shows drift from this code), off stops it.
#   in your aws_vpc resource: tags = { "ecr-endpoint-guard/mode" = "dry-run" }
#   or: aws ec2 create-tags --region us-east-1 --resources vpc-00000000000000001 \
#         --tags Key=ecr-endpoint-guard/mode,Value=dry-run
# The VPC has no such tag yet.

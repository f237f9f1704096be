# ecr-endpoint-guard: Terraform for vpc-00000000000000001 (locked),
# account 123456789012, region us-east-1.
# Built from the same plan as auto-fix. Needs Terraform 1.5 or later (import blocks)
# and the hashicorp/aws provider 5.0 or later. Review it, then `terraform plan`.

# Stops `terraform plan` while the VPC's DNS attributes are off (see above).
data "aws_vpc" "locked" {
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
resource "aws_security_group" "locked_endpoints" {
  name        = "locked-vpc-endpoints"
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
    Name = "locked VPC endpoints"
  }
}

resource "aws_vpc_endpoint" "locked_ecr_api" {
  vpc_id              = "vpc-00000000000000001"
  service_name        = "com.amazonaws.us-east-1.ecr.api"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
  security_group_ids  = [aws_security_group.locked_endpoints.id]
  private_dns_enabled = true

  policy = jsonencode({
    Statement = [
      {
        Action = "*"
        Condition = {
          StringEquals = {
            "aws:PrincipalAccount" = "123456789012"
          }
        }
        Effect    = "Allow"
        Principal = "*"
        Resource  = "*"
        Sid       = "AllowThisAccountsPrincipals"
      },
    ]
    Version = "2012-10-17"
  })

  tags = {
    Name = "locked ecr.api"
  }
}

resource "aws_vpc_endpoint" "locked_ecr_dkr" {
  vpc_id              = "vpc-00000000000000001"
  service_name        = "com.amazonaws.us-east-1.ecr.dkr"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
  security_group_ids  = [aws_security_group.locked_endpoints.id]
  private_dns_enabled = true

  policy = jsonencode({
    Statement = [
      {
        Action = "*"
        Condition = {
          StringEquals = {
            "aws:PrincipalAccount" = "123456789012"
          }
        }
        Effect    = "Allow"
        Principal = "*"
        Resource  = "*"
        Sid       = "AllowThisAccountsPrincipals"
      },
    ]
    Version = "2012-10-17"
  })

  tags = {
    Name = "locked ecr.dkr"
  }
}

resource "aws_vpc_endpoint" "locked_s3_gateway" {
  vpc_id            = "vpc-00000000000000001"
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["rtb-priv-a", "rtb-priv-b", "rtb-priv-c"]

  policy = jsonencode({
    Statement = [
      {
        Action    = "s3:GetObject"
        Effect    = "Allow"
        Principal = "*"
        Resource  = "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"
        Sid       = "AllowEcrImageLayersOnly"
      },
    ]
    Version = "2012-10-17"
  })

  tags = {
    Name = "locked s3 gateway"
  }
}

# Hand-over: once `terraform apply` has run, tag the VPC so that the function stops
# managing it: dry-run keeps reporting (and shows drift from this code), off stops it.
#   in your aws_vpc resource: tags = { "ecr-endpoint-guard/mode" = "dry-run" }
#   or: aws ec2 create-tags --region us-east-1 --resources vpc-00000000000000001 \
#         --tags Key=ecr-endpoint-guard/mode,Value=dry-run
# The VPC has no such tag yet.

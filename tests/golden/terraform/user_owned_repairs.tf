# ecr-endpoint-guard: Terraform for vpc-00000000000000001,
# account 123456789012, region us-east-1.
# Built from the same plan as auto-fix. Needs Terraform 1.5 or later (import blocks)
# and the hashicorp/aws provider 5.0 or later. Review it, then `terraform plan`.

# The plan's "create security group ecr-endpoint-guard-endpoints", as your code's own group:
# named after the VPC (the tool's name marks the groups the tool itself creates).
resource "aws_security_group" "vpc_00000000000000001_endpoints" {
  #checkov:skip=CKV2_AWS_5:attached by your own code to the endpoints named in the comments below
  name        = "vpc-00000000000000001-vpc-endpoints"
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
    Name = "vpc-00000000000000001 VPC endpoints"
  }
}

# vpce-1api (ecr.api) was not created by ecr-endpoint-guard: the code
# that created it owns it. Make these changes there:
#   security_group_ids: add aws_security_group.vpc_00000000000000001_endpoints.id (the group above)
#   security_group_ids: remove "sg-wide" (admits more than the VPC)

# vpce-1dkr (ecr.dkr) was not created by ecr-endpoint-guard: the code
# that created it owns it. Make these changes there:
#   subnet_ids: add "subnet-priv-b", "subnet-priv-c"
#   security_group_ids: add aws_security_group.vpc_00000000000000001_endpoints.id (the group above)
#   security_group_ids: remove "sg-wide" (admits more than the VPC)

# vpce-1s3 (s3) was not created by ecr-endpoint-guard: the code
# that created it owns it. Make these changes there:
#   route_table_ids: add "rtb-priv-c"

# Hand-over: once `terraform apply` has run, tag the VPC so that the function stops
# managing it: dry-run keeps reporting (and shows drift from this code), off stops it.
#   in your aws_vpc resource: tags = { "ecr-endpoint-guard/mode" = "dry-run" }
#   or: aws ec2 create-tags --region us-east-1 --resources vpc-00000000000000001 \
#         --tags Key=ecr-endpoint-guard/mode,Value=dry-run
# The VPC has no such tag yet.

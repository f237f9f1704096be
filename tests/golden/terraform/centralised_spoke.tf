# ecr-endpoint-guard: Terraform for vpc-00000000000000001 (spoke-1),
# account 123456789012, region us-east-1.
# Built from the same plan as auto-fix. Needs Terraform 1.5 or later (import blocks)
# and the hashicorp/aws provider 5.0 or later. Review it, then `terraform plan`.

resource "aws_vpc_endpoint" "spoke_1_s3_gateway" {
  vpc_id            = "vpc-00000000000000001"
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["rtb-priv-a", "rtb-priv-b", "rtb-priv-c"]

  tags = {
    Name = "spoke-1 s3 gateway"
  }
}

# Hand-over: once `terraform apply` has run, tag the VPC so that the function stops
# managing it: dry-run keeps reporting (and shows drift from this code), off stops it.
#   in your aws_vpc resource: tags = { "ecr-endpoint-guard/mode" = "dry-run" }
#   or: aws ec2 create-tags --region us-east-1 --resources vpc-00000000000000001 \
#         --tags Key=ecr-endpoint-guard/mode,Value=dry-run
# The VPC has no such tag yet.

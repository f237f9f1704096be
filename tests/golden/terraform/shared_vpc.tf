# ecr-endpoint-guard: Terraform for vpc-00000000000000001 (shared),
# account 123456789012, region us-east-1.
# Built from the same plan as auto-fix. Needs Terraform 1.5 or later (import blocks)
# and the hashicorp/aws provider 5.0 or later. Review it, then `terraform plan`.

# No code: vpc-00000000000000001 is owned by account 210987654321 (shared through AWS RAM): its endpoints belong in the owner's code.

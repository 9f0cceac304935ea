# Provider-defined functions need Terraform 1.8+ or OpenTofu 1.7+, and the
# provider in required_providers.
terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "~> 0.1"
    }
  }
}

locals {
  export = ["ada@example.com", "n/a", "Grace Hopper <grace@example.com>", " alan@example.com ", ""]
}

# ["ada@example.com", "alan@example.com"]: the values the resources would
# accept, after trimming; the others would fail the whole plan.
output "addresses" {
  value = [for e in local.export : trimspace(e) if provider::clevermaps::is_email(trimspace(e))]
}

# ["n/a", "Grace Hopper <grace@example.com>", ""]: for a person to look at.
output "not_addresses" {
  value = [for e in local.export : e if !provider::clevermaps::is_email(trimspace(e))]
}

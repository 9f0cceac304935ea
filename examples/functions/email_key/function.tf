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
  export = ["  Ada.Lovelace@Example.COM", "ada.lovelace@example.com ", "Straße@example.com"]
}

# ["ada.lovelace@example.com", "strasse@example.com"]: one entry per address,
# as clevermaps_password_reset_requests tells them apart.
output "addresses" {
  value = distinct([for e in local.export : provider::clevermaps::email_key(trimspace(e))])
}

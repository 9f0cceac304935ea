# Re-send after expiry: run plan and apply on a schedule (for example
# nightly); the first run after an address's mail is 7 days old mails it again.

terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "~> 0.1"
    }
  }
}

variable "emails" {
  description = "Addresses that should hold a fresh reset mail until they act on it."
  type        = set(string)
}

resource "clevermaps_password_reset_request" "pending" {
  for_each = var.emails

  email        = each.value
  resend_after = "168h"
}

output "last_mailed" {
  description = "When each address was last mailed."
  value       = { for email, r in clevermaps_password_reset_request.pending : email => r.requested_at }
}

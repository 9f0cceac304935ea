# Adopting a wave that a script mailed before the pipeline moved to
# Terraform: import blocks record the existing mails without sending any.

terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "~> 0.1"
    }
  }
}

locals {
  # What the old script mailed, and when, from its log. The time is
  # optional; without it the import records the time of the import, and
  # resend_after counts from then.
  already_mailed = {
    "ada@example.com"   = "2026-11-20T09:00:00Z"
    "grace@example.com" = "2026-11-20T09:00:05Z"
  }
}

# One import block per address (for_each in import blocks needs
# Terraform 1.7+ or OpenTofu 1.7+). The ID is "address,time".
import {
  for_each = local.already_mailed
  to       = clevermaps_password_reset_request.onboarding[each.key]
  id       = "${each.key},${each.value}"
}

resource "clevermaps_password_reset_request" "onboarding" {
  for_each = local.already_mailed

  email        = each.key
  resend_after = "168h"

  # Triggers set for the first time on an imported request are recorded
  # without a mail; changing them later sends one.
  triggers = {
    wave = "2026-11"
  }
}

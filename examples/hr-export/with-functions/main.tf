# From an HR export to password-reset mails: read the export (CSV), trim and
# normalise each row's address, drop the rows that are not addresses, and
# mail the rest in chunks. A bad row is listed in the output `dropped`
# instead of failing the plan, so it never stops the wave.
#
# Needs Terraform 1.8+ or OpenTofu 1.7+ (provider-defined functions);
# ../without-functions does the same on Terraform 1.5+.

terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "~> 0.1"
    }
  }
}

variable "endpoint" {
  type        = string
  description = "CleverMaps API base URL: https://secure.clevermaps.io/rest (production) or https://staging.dev.clevermaps.io/rest (staging)."
}

provider "clevermaps" {
  endpoint = var.endpoint
}

locals {
  # One object per row, keyed by the header row. csvdecode fails for the
  # whole file if a row has the wrong number of fields: that is a broken
  # export, not a bad row, and nothing is sent.
  rows = csvdecode(file("${path.module}/people.csv"))

  # Trimmed, then in the form the provider compares addresses by (for ASCII,
  # lower case), so that duplicates collapse and an address always hashes to
  # the same chunk however HR spelled it.
  people = [
    for row in local.rows : {
      employee_id = row.employee_id
      raw         = row.email
      email       = provider::clevermaps::email_key(trimspace(row.email))
    }
  ]

  # Exactly the values the resource accepts: one value it refused would fail
  # the plan of its chunk.
  emails  = distinct([for p in local.people : p.email if provider::clevermaps::is_email(p.email)])
  dropped = [for p in local.people : { employee_id = p.employee_id, email = p.raw } if !provider::clevermaps::is_email(p.email)]

  # Fixed before the first apply: see "Waves larger than one resource" in
  # the onboarding guide. Never change it for an applied wave.
  chunk_count = 16
  chunks = {
    for email in local.emails :
    format("%02d", parseint(substr(sha256(email), 0, 8), 16) % local.chunk_count) => email...
  }
}

resource "clevermaps_password_reset_requests" "wave" {
  for_each = local.chunks

  emails         = each.value
  max_new_emails = 2000
}

output "dropped" {
  description = "Rows whose email is not an address, for HR to fix; the first run after the fix mails them."
  value       = local.dropped
}

output "unmailed" {
  description = "Addresses the API did not mail, with the reason (rejected: no account has the address)."
  value       = { for email, u in merge([for c in clevermaps_password_reset_requests.wave : c.unmailed]...) : email => u.reason }
}

output "mailed" {
  description = "How many addresses have been mailed, over all chunks."
  value       = sum(concat([0], [for c in clevermaps_password_reset_requests.wave : length(c.sent)]))
}

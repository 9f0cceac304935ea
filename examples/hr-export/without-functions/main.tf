# From an HR export to password-reset mails without provider-defined
# functions, for Terraform 1.5+ and any OpenTofu: the same as
# ../with-functions, with lower() and a regular expression in place of
# email_key and is_email.
#
# The pattern accepts only plain ASCII addresses (letters, digits, . _ + ' -),
# all of which the provider accepts; other rows, including addresses with
# letters outside ASCII, are dropped and listed for a person to look at.

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

  address_pattern = "^[a-z0-9_+'-]+(\\.[a-z0-9_+'-]+)*@[a-z0-9-]+(\\.[a-z0-9-]+)+$"

  # Trimmed and lower-cased, so that duplicates collapse and an address
  # always hashes to the same chunk however HR spelled it.
  normalised = [
    for row in local.rows : {
      employee_id = row.employee_id
      raw         = row.email
      email       = lower(trimspace(row.email))
    }
  ]
  people = [
    for p in local.normalised : merge(p, {
      # The provider allows at most 254 characters, 64 before the @.
      ok = can(regex(local.address_pattern, p.email)) && length(p.email) <= 254 && length(split("@", p.email)[0]) <= 64
    })
  ]

  emails  = distinct([for p in local.people : p.email if p.ok])
  dropped = [for p in local.people : { employee_id = p.employee_id, email = p.raw } if !p.ok]

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

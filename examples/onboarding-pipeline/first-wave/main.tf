# First wave: one resource mails every address in var.emails. Later runs mail
# only addresses added to the list, and addresses an earlier run could not
# mail; removing an address sends nothing. The postcondition makes the run
# fail while any address is left unmailed, without mailing anyone twice.

terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "~> 0.1"
    }
  }
}

provider "clevermaps" {
  endpoint = var.endpoint
}

variable "endpoint" {
  description = "Base URL of the CleverMaps REST API: https://staging.dev.clevermaps.io/rest (staging) or https://secure.clevermaps.io/rest (production). No default, so that nobody is mailed by accident."
  type        = string
}

variable "emails" {
  description = "Addresses of the accounts in this onboarding wave, for example from the identity system's export."
  type        = list(string)
}

resource "clevermaps_password_reset_requests" "wave" {
  emails = var.emails

  # The mass-mail guard: a plan that would mail more addresses fails before
  # anything is sent. 500 is the default; raise it for a planned larger wave.
  max_new_emails = 500

  lifecycle {
    postcondition {
      condition     = length(self.unmailed) == 0
      error_message = "Not mailed: ${join(", ", [for email, u in self.unmailed : "${email} (${u.reason})"])}"
    }
  }
}

output "to_mail" {
  description = "The addresses the last apply mailed or tried to mail."
  value       = clevermaps_password_reset_requests.wave.to_mail
}

output "mailed" {
  description = "How many addresses of the wave have been mailed so far."
  value       = length(clevermaps_password_reset_requests.wave.sent)
}

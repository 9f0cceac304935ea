# First wave: one resource mails every address in var.emails. Later runs mail
# only addresses added to the list; removing an address sends nothing.

terraform {
  required_providers {
    clevermaps = {
      source = "clevermaps/clevermaps"
    }
  }
}

provider "clevermaps" {
  endpoint = var.endpoint
}

variable "endpoint" {
  description = "Base URL of the CleverMaps REST API."
  type        = string
  default     = "https://secure.clevermaps.io/rest"
}

variable "emails" {
  description = "Addresses of the accounts in this onboarding wave, for example from the identity system's export."
  type        = list(string)
}

resource "clevermaps_password_reset_requests" "wave" {
  emails = var.emails
}

output "mailed" {
  description = "How many addresses of the wave have been mailed so far."
  value       = length(clevermaps_password_reset_requests.wave.sent)
}

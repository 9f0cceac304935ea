# Re-send after expiry with the batch resource: a run made once an address's
# last mail is 7 days old plans an update that mails that address again (and
# only it), with a warning that says why.

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
  type        = list(string)
}

resource "clevermaps_password_reset_requests" "pending" {
  emails       = var.emails
  resend_after = "168h"
}

# Adopting a wave into the batch resource: the addresses an older script has
# already mailed are recorded in `sent` without a mail; only the others are
# mailed. The plan's `to_mail` shows exactly who gets a mail.

terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "~> 0.1"
    }
  }
}

variable "emails" {
  description = "Every address of the wave."
  type        = list(string)
}

variable "mailed_by_script" {
  description = "Addresses the old script has already mailed."
  type        = list(string)
  default     = []
}

resource "clevermaps_password_reset_requests" "wave" {
  emails         = var.emails
  already_mailed = var.mailed_by_script
}

# The configuration of an onboarding pipeline that plans, has the plan
# reviewed, and applies exactly the reviewed plan. Works on Terraform 1.5+
# and OpenTofu.

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
  # The wave, written by an earlier step of the pipeline as a JSON array.
  emails = jsondecode(file("${path.module}/emails.json"))
}

resource "clevermaps_password_reset_requests" "wave" {
  emails = local.emails

  # A plan that would mail more addresses than this fails (exit code 1)
  # before anything is sent.
  max_new_emails = 500

  # Reset links lapse after a week: the first run after that mails again.
  resend_after = "168h"

  lifecycle {
    # Fails the run (exit code 1) while any address is left unmailed, also on
    # the first apply, where the resource itself only warns. The next run
    # mails only the unmailed addresses.
    postcondition {
      condition     = length(self.unmailed) == 0
      error_message = "Not mailed: ${join(", ", [for email, u in self.unmailed : "${email} (${u.reason})"])}"
    }
  }
}

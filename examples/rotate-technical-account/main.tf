# Rotate the password of a technical account without any secret in state or
# plan files (Terraform 1.11+ or OpenTofu 1.11+).
#
# A rotation takes two applies:
#   1. `apply`: sends the reset mail to the technical account.
#   2. `apply -var rotate_now=true -var password_version=N` (N = 1, 2, ...) with the token from
#      the mail and the new password in TF_VAR_reset_token and
#      TF_VAR_new_password (ephemeral variables): verifies the token without
#      storing it and sets the new password through write-only arguments.
# Plans in between and afterwards need neither secret. To rotate again, change
# `rotation` (a new mail), then repeat step 2 with a higher password_version.

terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "~> 0.1"
    }
  }
}

variable "endpoint" {
  description = "Base URL of the CleverMaps REST API: https://staging.dev.clevermaps.io/rest (staging) or https://secure.clevermaps.io/rest (production). No default, so that nobody is mailed by accident."
  type        = string
}

variable "account_email" {
  description = "Email address of the technical account."
  type        = string
  default     = "svc-etl@example.com"
}

variable "rotation" {
  description = "Label of the current rotation; changing it sends a new reset mail."
  type        = string
  default     = "2026-Q4"
}

variable "reset_token" {
  description = "Token from the reset mail; empty until the mail has arrived."
  type        = string
  default     = ""
  sensitive   = true
  ephemeral   = true
}

variable "new_password" {
  description = "The new password, for example read from a secret manager by the pipeline."
  type        = string
  default     = ""
  sensitive   = true
  ephemeral   = true
}

variable "rotate_now" {
  description = "Set to true in the apply that finishes the reset with reset_token and new_password."
  type        = bool
  default     = false
}

variable "password_version" {
  description = "0 until the first reset; raise it with every rotation (keep it in a tfvars file). The reset is performed when it changes."
  type        = number
  default     = 0
}

provider "clevermaps" {
  endpoint = var.endpoint
}

resource "clevermaps_password_reset_request" "rotation" {
  email = var.account_email
  triggers = {
    rotation = var.rotation
  }
}

# Opened only in the apply that finishes the reset; nothing of it is stored.
ephemeral "clevermaps_reset_token" "mail" {
  count = var.rotate_now ? 1 : 0
  token = var.reset_token
}

resource "clevermaps_password_reset" "rotation" {
  # Exists from the first finished reset on.
  count = var.password_version > 0 ? 1 : 0

  token_wo                = var.rotate_now ? ephemeral.clevermaps_reset_token.mail[0].token : null
  new_password_wo         = var.rotate_now ? var.new_password : null
  new_password_wo_version = var.password_version

  lifecycle {
    precondition {
      # A conditional rather than `!var.rotate_now || ...`: only Terraform
      # 1.12+ and OpenTofu 1.10+ skip the right side of || when the left
      # decides, and without rotate_now there is no mail[0] to read.
      condition     = var.rotate_now ? ephemeral.clevermaps_reset_token.mail[0].email == var.account_email : true
      error_message = "The reset token is unknown, expired, used, or belongs to another account; request a new reset mail."
    }
  }

  depends_on = [clevermaps_password_reset_request.rotation]
}

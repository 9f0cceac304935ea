variable "endpoint" {
  description = "Base URL of the CleverMaps REST API: https://staging.dev.clevermaps.io/rest (staging) or https://secure.clevermaps.io/rest (production). No default, so that nobody is mailed by accident."
  type        = string
}

variable "emails" {
  description = "Accounts that get a password-reset mail in this onboarding wave."
  type        = set(string)
  default = [
    "ada@example.com",
    "grace@example.com",
    "svc-etl@example.com",
  ]
}

variable "verify_token" {
  description = "A token from one of the reset mails, to check with the clevermaps_reset_token data source. Empty skips the check."
  type        = string
  sensitive   = true
  default     = ""
}

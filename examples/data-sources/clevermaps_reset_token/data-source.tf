variable "reset_token" {
  type      = string
  sensitive = true
}

# Verifying a token does not use it up. An unknown or expired token gives
# valid = false rather than an error, so a configuration can gate on it.
data "clevermaps_reset_token" "check" {
  token = var.reset_token

  lifecycle {
    postcondition {
      condition     = self.valid
      error_message = "The reset token is unknown, expired or already used; request a new reset mail."
    }
  }
}

output "token_owner" {
  value = data.clevermaps_reset_token.check.email
}

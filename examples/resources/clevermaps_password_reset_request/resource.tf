# Send a reset mail to a new colleague. Changing `triggers` sends another one.
resource "clevermaps_password_reset_request" "ada" {
  email = "ada@example.com"

  triggers = {
    onboarding_wave = "2026-11"
  }
}

# One request per account, each with its own lifecycle.
resource "clevermaps_password_reset_request" "team" {
  for_each = toset(["grace@example.com", "margaret@example.com"])

  email = each.value
}

# Mail again whenever the last mail is more than 7 days old, at the next
# plan and apply after that.
resource "clevermaps_password_reset_request" "reminder" {
  email        = "margaret@example.com"
  resend_after = "168h"
}

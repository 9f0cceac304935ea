# Onboard a whole wave of accounts from one resource. Adding addresses mails
# only the new ones; changing `triggers` mails everyone again. The plan lists
# in `to_mail` exactly who the apply mails.
resource "clevermaps_password_reset_requests" "wave" {
  emails = [
    "ada@example.com",
    "grace@example.com",
    "margaret@example.com",
  ]

  concurrency = 8

  triggers = {
    wave = "2026-11"
  }

  # Fail the run while any address is left unmailed. The next apply mails
  # only those addresses; nobody in `sent` is mailed again.
  lifecycle {
    postcondition {
      condition     = length(self.unmailed) == 0
      error_message = "Not mailed: ${join(", ", keys(self.unmailed))}"
    }
  }
}

output "mailed_at" {
  value = clevermaps_password_reset_requests.wave.sent
}

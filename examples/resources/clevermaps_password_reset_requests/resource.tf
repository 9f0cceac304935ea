# Onboard a whole wave of accounts from one resource. Adding addresses mails
# only the new ones; changing `triggers` mails everyone again.
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
}

output "mailed_at" {
  value = clevermaps_password_reset_requests.wave.sent
}

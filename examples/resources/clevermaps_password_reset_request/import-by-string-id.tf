# Adopt a mail sent outside Terraform, without sending one (Terraform 1.5+,
# OpenTofu 1.5+). The ID is the address, optionally followed by a comma and
# when the mail was sent; resend_after counts from that time.
import {
  to = clevermaps_password_reset_request.ada
  id = "ada@example.com,2026-11-20T09:00:00Z"
}

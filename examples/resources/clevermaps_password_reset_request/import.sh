# Adopt a mail sent outside Terraform, without sending one. The ID is the
# address, optionally followed by a comma and when the mail was sent.
terraform import clevermaps_password_reset_request.ada 'ada@example.com,2026-11-20T09:00:00Z'

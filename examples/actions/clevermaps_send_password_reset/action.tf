# Terraform 1.14+: send a reset mail on demand, e.g.
#   terraform apply -invoke=action.clevermaps_send_password_reset.ada
action "clevermaps_send_password_reset" "ada" {
  config {
    email = "ada@example.com"
  }
}

# A whole list at once: the mails go out in parallel, and the CLI shows the
# progress (sent, failed, unknown) each time another tenth is done.
action "clevermaps_send_password_reset" "wave" {
  config {
    emails      = ["ada@example.com", "grace@example.com", "margaret@example.com"]
    concurrency = 8
  }
}

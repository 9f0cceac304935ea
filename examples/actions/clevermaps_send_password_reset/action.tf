# Terraform 1.14+: send a reset mail on demand, e.g.
#   terraform apply -invoke=action.clevermaps_send_password_reset.ada
action "clevermaps_send_password_reset" "ada" {
  config {
    email = "ada@example.com"
  }
}

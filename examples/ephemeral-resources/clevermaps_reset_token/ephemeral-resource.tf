variable "reset_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Verifies the token without any trace in state or plan files
# (Terraform 1.10+, OpenTofu 1.11+).
ephemeral "clevermaps_reset_token" "check" {
  token = var.reset_token
}

# The verified token can only flow into write-only arguments.
resource "clevermaps_password_reset" "svc" {
  token_wo                = ephemeral.clevermaps_reset_token.check.token
  new_password_wo         = "an-example-only-password" # use an ephemeral variable in practice
  new_password_wo_version = 1
}

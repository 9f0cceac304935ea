variable "reset_token" {
  description = "The token from the reset mail."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "new_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Write-only arguments (Terraform 1.11+, OpenTofu 1.11+): neither the token
# nor the password is stored in state or plan files. Bump the version to reset
# again with new values.
resource "clevermaps_password_reset" "svc_etl" {
  token_wo                = var.reset_token
  new_password_wo         = var.new_password
  new_password_wo_version = 1
  consent_granted         = true
}

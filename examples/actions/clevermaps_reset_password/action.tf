variable "reset_token" {
  type      = string
  sensitive = true
}

variable "new_password" {
  type      = string
  sensitive = true
}

# Terraform 1.14+: finish a reset on demand, e.g.
#   terraform apply -invoke=action.clevermaps_reset_password.svc_etl
action "clevermaps_reset_password" "svc_etl" {
  config {
    token           = var.reset_token
    new_password    = var.new_password
    consent_granted = true
  }
}

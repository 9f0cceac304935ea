# The password-reset endpoints are anonymous: no credentials are needed.
provider "clevermaps" {
  # Required, here or in the CLEVERMAPS_ENDPOINT environment variable (a value
  # here wins): there is no default, so that a copied configuration never mails
  # real people by accident.
  endpoint = var.endpoint

  # Behind a proxy that inspects TLS, also trust its CA (or set CLEVERMAPS_CA_CERT_PEM).
  # ca_cert_pem = file("${path.module}/corporate-ca.pem")

  # Optional tuning; these are the defaults except for the rate limit.
  request_timeout_ms = 30000
  retry = {
    attempts     = 3
    min_delay_ms = 500
    max_delay_ms = 30000
  }
  requests_per_second     = 20
  max_concurrent_requests = 16
}

variable "endpoint" {
  description = "Base URL of the CleverMaps REST API: https://staging.dev.clevermaps.io/rest (staging) or https://secure.clevermaps.io/rest (production). No default, so that nobody is mailed by accident."
  type        = string
}

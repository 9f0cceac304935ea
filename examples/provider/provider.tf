# The password-reset endpoints are anonymous: no credentials are needed.
provider "clevermaps" {
  # Defaults to https://secure.clevermaps.io/rest (or CLEVERMAPS_ENDPOINT).
  endpoint = "https://secure.clevermaps.io/rest"

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

# Onboarding wave: every account in var.emails gets a password-reset mail, so
# that new people set their own password on first login. Run `make demo` to
# watch it against the stand-in API.

terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "~> 0.1"
    }
  }
}

provider "clevermaps" {
  endpoint = var.endpoint
}

# One reset mail per address. Changing the triggers (a new wave) sends the
# mails again; the request itself cannot be undone, so destroy only forgets it.
resource "clevermaps_password_reset_request" "onboarding" {
  for_each = var.emails

  email = each.value
  triggers = {
    onboarding_wave = "2026-11"
  }
}

# Checks a token from one of the mails, without using it up. A value derived
# from a sensitive one cannot be a count, so only the fact that a token was
# given is declassified, never the token.
data "clevermaps_reset_token" "check" {
  count = nonsensitive(var.verify_token != "") ? 1 : 0

  token = var.verify_token
}

output "requested" {
  description = "When each reset mail was requested, by email address."
  value = {
    for email, request in clevermaps_password_reset_request.onboarding : email => request.requested_at
  }
}

output "token_check" {
  description = "What the API says about var.verify_token, or null when no token was given."
  value = length(data.clevermaps_reset_token.check) == 0 ? null : {
    valid     = data.clevermaps_reset_token.check[0].valid
    email     = data.clevermaps_reset_token.check[0].email
    full_name = data.clevermaps_reset_token.check[0].full_name
  }
}

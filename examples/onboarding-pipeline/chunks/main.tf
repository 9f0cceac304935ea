# Waves larger than one resource: the addresses are spread over a fixed
# number of resources by a hash of each address. An address always lands in
# the same resource, so adding one re-plans only its resource, and the other
# plans stay empty.

terraform {
  required_providers {
    clevermaps = {
      source = "clevermaps/clevermaps"
    }
  }
}

variable "emails" {
  description = "Every address of the wave."
  type        = list(string)
}

locals {
  # Never change this for a wave that has been applied: addresses would move
  # to other resources, and a resource mails every address it has not mailed
  # itself. Choose it so that each resource holds well under its limit even
  # when the wave grows: 64 resources of about 1,600 addresses for 100,000.
  chunk_count = 64

  chunks = {
    for email in var.emails :
    format("%02d", parseint(substr(sha256(lower(email)), 0, 8), 16) % local.chunk_count) => email...
  }
}

resource "clevermaps_password_reset_requests" "wave" {
  for_each = local.chunks

  emails = each.value
}

output "mailed" {
  description = "How many addresses have been mailed, over all chunks."
  value       = sum(concat([0], [for c in clevermaps_password_reset_requests.wave : length(c.sent)]))
}

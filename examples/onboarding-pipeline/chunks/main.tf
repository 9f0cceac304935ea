# Waves larger than one resource: the addresses are spread over a fixed
# number of resources by a hash of each address. An address always lands in
# the same resource, so adding one re-plans only its resource, and the other
# plans stay empty.

terraform {
  required_providers {
    clevermaps = {
      source  = "clevermaps/clevermaps"
      version = "~> 0.1"
    }
  }
}

locals {
  # Every address of the wave, as a JSON array written by the pipeline. A
  # file read with jsondecode is much cheaper for the CLI than an input
  # variable with tens of thousands of elements.
  emails = jsondecode(file("${path.module}/emails.json"))

  # Never change this for a wave that has been applied: addresses would move
  # to other resources, and a resource mails every address it has not mailed
  # itself. Choose it so that each resource holds well under its limit even
  # when the wave grows: 64 resources of about 1,600 addresses for 100,000.
  chunk_count = 64

  chunks = {
    for email in local.emails :
    format("%02d", parseint(substr(sha256(lower(email)), 0, 8), 16) % local.chunk_count) => email...
  }
}

resource "clevermaps_password_reset_requests" "wave" {
  for_each = local.chunks

  emails = each.value

  # The mass-mail guard counts per resource. A first wave fills each chunk
  # at once, so allow a chunk's size; later runs mail only what is new.
  max_new_emails = 2000
}

output "mailed" {
  description = "How many addresses have been mailed, over all chunks."
  value       = sum(concat([0], [for c in clevermaps_password_reset_requests.wave : length(c.sent)]))
}

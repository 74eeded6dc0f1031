# Look an identity up by a login identifier: the email, phone number or
# username it signs in with. Emails and usernames match in any case, phone
# numbers only as stored.
data "ory_identity" "admin" {
  identifier = "+14155552671"
}

output "admin_id" {
  value = data.ory_identity.admin.id
}

output "admin_email_verified" {
  value = contains(data.ory_identity.admin.verified_addresses, "admin@example.com")
}

# Or by its UUID.
variable "identity_id" {
  type = string
}

data "ory_identity" "by_id" {
  id = var.identity_id
}

# The role lives in metadata, which only the admin API changes (a user can
# edit their own traits in the settings flow). try() gives null for an
# identity without metadata or without a role.
output "role" {
  value = try(jsondecode(data.ory_identity.by_id.metadata_public).role, null)
}

# An admin who logs in with a phone number and whose email is verified, in
# one apply. The identity schema "phone" marks traits.phone as the password
# identifier (verified via sms) and traits.email as verifiable via email.
# The role is metadata: users can edit their own traits through the
# settings flow, metadata only through the admin API.
resource "ory_identity" "admin" {
  schema_id = "phone"
  traits = jsonencode({
    phone = "+14155552671"
    email = "admin@example.com"
  })
  verified_addresses = ["admin@example.com"]
  metadata_public    = jsonencode({ role = "admin" })
  metadata_admin     = jsonencode({ owner = "platform-team" })
}

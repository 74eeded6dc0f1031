# An admin who signs in with their company Google account: the link makes
# that Google user land on this identity, with its traits and role, instead
# of Ory registering a new identity at their first sign-in. "google" is the
# id of the provider in Ory's OIDC configuration; the subject is the user's
# "sub" claim at Google.
resource "ory_identity" "sso_admin" {
  schema_id       = "email"
  traits          = jsonencode({ email = "sso-admin@example.com" })
  metadata_public = jsonencode({ role = "admin" })
}

resource "ory_identity_oidc_credential" "sso_admin_google" {
  identity_id = ory_identity.sso_admin.id
  provider_id = "google"
  subject     = "109876543210987654321"
}

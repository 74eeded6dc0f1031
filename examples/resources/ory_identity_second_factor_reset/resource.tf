resource "ory_identity" "alice" {
  schema_id = "email"
  traits    = jsonencode({ email = "alice@example.com" })
}

# Alice lost the phone with her authenticator app (ticket OPS-1234): remove
# her second factors so that she logs in with her password and enrols a new
# one. Applying again does nothing; the next time she loses one, bump version.
resource "ory_identity_second_factor_reset" "alice" {
  identity_id = ory_identity.alice.id
  version     = 1
}

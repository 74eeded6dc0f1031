# Move an account from another system without a password reset: give the
# hash that system stores. The user keeps their password; nobody has to
# know it. Kratos re-hashes a hash in another format than its own (bcrypt by
# default) at the first login, which the next plan shows; apply sets the same
# hash again.
variable "legacy_admin_password_hash" {
  type        = string
  sensitive   = true
  description = "For example $2a$10$... (bcrypt) or $argon2id$v=19$m=...,t=...,p=...$salt$hash."
}

resource "ory_identity" "legacy_admin" {
  schema_id = "email"
  traits = jsonencode({
    email = "legacy-admin@example.com"
    name  = "Legacy Admin"
  })
}

resource "ory_identity_password" "legacy_admin" {
  identity_id     = ory_identity.legacy_admin.id
  hashed_password = var.legacy_admin_password_hash
}

# What the identity schema "email" lets its identities do, as Ory has it.
data "ory_identity_schema" "email" {
  id = "email"
}

# Refuse to plan an identity that could not sign in: the schema must make
# traits.email a password identifier.
resource "ory_identity" "auditor" {
  schema_id = data.ory_identity_schema.email.id
  traits = jsonencode({
    email = "auditor@example.com"
  })

  lifecycle {
    precondition {
      condition = contains(
        [for i in data.ory_identity_schema.email.identifiers : i.trait if contains(i.methods, "password")],
        "email",
      )
      error_message = "Identity schema \"${data.ory_identity_schema.email.id}\" does not make traits.email a password identifier."
    }
  }
}

output "verifiable_traits" {
  value = { for v in data.ory_identity_schema.email.verifiable : v.trait => v.via }
}

output "title" {
  value = jsondecode(data.ory_identity_schema.email.schema).title
}

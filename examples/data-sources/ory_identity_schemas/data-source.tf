# Every identity schema Ory has, sorted by id.
data "ory_identity_schemas" "all" {}

output "schema_ids" {
  value = data.ory_identity_schemas.all.schemas[*].id
}

# The schemas whose identities can recover their account by email.
output "recoverable_by_email" {
  value = [for s in data.ory_identity_schemas.all.schemas : s.id if contains(s.recoverable[*].via, "email")]
}

# A warning, not an error, for schemas whose traits only Ory can check
# (they refer to other documents): mistakes show at apply, not at plan.
check "traits_checked_at_plan" {
  assert {
    condition     = alltrue(data.ory_identity_schemas.all.schemas[*].checked_at_plan)
    error_message = "Traits of these identity schemas are checked by Ory at apply only: ${join(", ", [for s in data.ory_identity_schemas.all.schemas : s.id if !s.checked_at_plan])}."
  }
}

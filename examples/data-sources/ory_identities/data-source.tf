# Every identity, through every page of the API. Ids, states and addresses
# are all this needs: include_traits = false keeps every identity's traits
# (personal data) out of the state.
data "ory_identities" "all" {
  include_traits = false
}

output "inactive_ids" {
  value = [for i in data.ory_identities.all.identities : i.id if i.state == "inactive"]
}

# Only those that sign in with a login identifier, or that have given ids.
data "ory_identities" "by_identifier" {
  identifier = "+14155552671"
}

data "ory_identities" "selected" {
  ids = [
    "5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c",
    "0b6e2d4a-91c3-4f7e-8d25-6a1f3c9e7b40",
  ]
}

# These copy the traits of the identities they find into the state (the
# default, include_traits = true).
output "selected_emails" {
  value = [for i in data.ory_identities.selected.identities : try(jsondecode(i.traits).email, null)]
}

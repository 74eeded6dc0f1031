# The active identities of the schema "email": filters combine, and an
# identity must match every filter that is set.
list "ory_identity" "employees" {
  provider         = ory
  include_resource = true

  config {
    schema_id = "email"
    state     = "active"
  }
}

# A few identities by UUID or by login identifier, identities only.
list "ory_identity" "admins" {
  provider = ory

  config {
    ids = ["5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c"]
  }
}

list "ory_identity" "ada" {
  provider = ory

  config {
    identifier = "ada@example.com"
  }
}

# The official provider's configuration after the switch: only the source
# changes. Its provider block (project_slug, project_api_url, project_api_key)
# and its environment (ORY_PROJECT_SLUG, ORY_PROJECT_API_KEY) work unchanged;
# here they come from the environment.
terraform {
  required_providers {
    ory = {
      source = "identity-as-code/ory" # was "ory/ory"
    }
  }
}

resource "ory_identity" "admin" {
  schema_id       = "admin"
  traits          = jsonencode({ email = "admin@example.com", phone = "+14155550100" })
  metadata_public = jsonencode({ role = "admin" })
  metadata_admin  = jsonencode({ ticket = "OPS-1", n = 9007199254740993 })
  # password = ... is gone: the password is ory_identity_password's (password.tf).
}

resource "ory_identity" "svc" {
  count     = 2
  schema_id = "admin"
  traits    = jsonencode({ email = "svc-${count.index}@example.com" })
}

resource "ory_identity" "inactive" {
  schema_id = "admin"
  traits    = jsonencode({ email = "former@example.com" })
  state     = "inactive"
}

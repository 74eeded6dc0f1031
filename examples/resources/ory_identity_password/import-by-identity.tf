# Terraform 1.12 and later, and OpenTofu 1.12: import by the resource
# identity, the UUID of the password's identity.
import {
  to = ory_identity_password.deploy_bot
  identity = {
    identity_id = "5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c"
  }
}

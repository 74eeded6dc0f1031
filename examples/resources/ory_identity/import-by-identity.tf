# Terraform 1.12 and later, and OpenTofu 1.12: import by the resource
# identity, the identity's UUID. The same block that terraform query
# -generate-config-out writes.
import {
  to = ory_identity.admin
  identity = {
    id = "5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c"
  }
}

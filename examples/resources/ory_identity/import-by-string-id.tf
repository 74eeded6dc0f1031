# Terraform 1.5 and later, and OpenTofu: import with a block, then plan.
import {
  to = ory_identity.admin
  id = "5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c"
}

# The id may also be a login identifier (email, phone number or username)
# that names exactly one identity, such as "admin@example.com" or
# "+14155552671": handy for identities created by hand, without copying UUIDs.

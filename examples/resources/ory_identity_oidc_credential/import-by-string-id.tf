# Terraform 1.5 and later, and OpenTofu: import with a block, then plan.
import {
  to = ory_identity_oidc_credential.sso_admin_google
  id = "5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c/google/109876543210987654321"
}

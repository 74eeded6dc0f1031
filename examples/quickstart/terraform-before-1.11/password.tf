# The admin's password for Terraform before 1.11, which has no write-only
# attributes: it is hidden in plan output (sensitive) but stored in the state
# in clear text, so keep the state where only admins can read it. Use this
# file instead of ../password.tf.

variable "admin_password" {
  description = "The admin's password; give it through TF_VAR_admin_password."
  type        = string
  sensitive   = true
}

resource "ory_identity_password" "admin" {
  identity_id = ory_identity.admin.id
  password    = var.admin_password
}

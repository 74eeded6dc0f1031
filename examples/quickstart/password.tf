# The admin's password, write-only: sent to Ory and kept in neither the
# state nor the plan. Needs Terraform 1.11 or OpenTofu 1.11 and later; with
# an older Terraform use terraform-before-1.11/password.tf instead.

variable "admin_password" {
  description = "The admin's password; give it through TF_VAR_admin_password."
  type        = string
  sensitive   = true
  ephemeral   = true
}

resource "ory_identity_password" "admin" {
  identity_id         = ory_identity.admin.id
  password_wo         = var.admin_password
  password_wo_version = 1 # change it to send a new password
}

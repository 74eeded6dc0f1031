# Terraform before 1.11 has no write-only arguments: the configured initial
# password is sent as `password` (kept in the state, marked sensitive). With
# on_change_outside = "keep" and the import, it is not set: the admin's
# password in Ory stays as it is.
import {
  to = ory_identity_password.admin
  id = "a52f6e17-dc16-4092-a320-658bb7fcfcf9" # ory_identity.admin's id
}

variable "admin_initial_password" {
  type      = string
  sensitive = true
}

resource "ory_identity_password" "admin" {
  identity_id       = ory_identity.admin.id
  password          = var.admin_initial_password
  on_change_outside = "keep"
}

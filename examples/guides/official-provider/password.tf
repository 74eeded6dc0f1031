# The admin's password, which the official provider kept in ory_identity (and
# in the state, in plain text), adopted as it is in Ory: imported, and with
# on_change_outside = "keep" the configured password is only an initial one,
# so the apply that imports it sets nothing. The admin signs in as before.
import {
  to = ory_identity_password.admin
  id = "a52f6e17-dc16-4092-a320-658bb7fcfcf9" # ory_identity.admin's id
}

variable "admin_initial_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "ory_identity_password" "admin" {
  identity_id         = ory_identity.admin.id
  password_wo         = var.admin_initial_password
  password_wo_version = 1 # bump to set the configured password (a reset)
  on_change_outside   = "keep"
}

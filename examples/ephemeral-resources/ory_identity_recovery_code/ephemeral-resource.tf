# Invite a new admin: the identity is created without a password, and a
# one-time recovery link and code let the admin set their own, so nobody else
# ever knows it. Link and code are ephemeral: never in state or plan.
resource "ory_identity" "new_admin" {
  schema_id = "email"
  traits = jsonencode({
    email = "new-admin@example.com"
    name  = "New Admin"
  })
  verified_addresses = ["new-admin@example.com"]
}

# Terraform opens an ephemeral resource at every plan and apply, and each
# opening mints a new code, valid until it expires. So the invitation is
# one-off: run `terraform apply -var invite_new_admin=true` once to send it,
# and leave the variable false (its default) on every other run, which then
# mints no code. To invite again, apply once more with true.
variable "invite_new_admin" {
  type    = bool
  default = false
}

ephemeral "ory_identity_recovery_code" "new_admin" {
  count       = var.invite_new_admin ? 1 : 0
  identity_id = ory_identity.new_admin.id
  expires_in  = "72h"
}

# Provisioners may use ephemeral values. This one runs when terraform_data is
# created, that is in the run that sets invite_new_admin to true: the
# pipeline's own delivery step (a script that mails the link and posts the
# code to a chat, say) gets both through the environment. Send link and code
# through different channels.
resource "terraform_data" "invite_new_admin" {
  count            = var.invite_new_admin ? 1 : 0
  triggers_replace = ory_identity.new_admin.id

  provisioner "local-exec" {
    command = "./deliver-invite.sh new-admin@example.com"
    environment = {
      RECOVERY_LINK = ephemeral.ory_identity_recovery_code.new_admin[0].recovery_link
      RECOVERY_CODE = ephemeral.ory_identity_recovery_code.new_admin[0].recovery_code
      EXPIRES_AT    = ephemeral.ory_identity_recovery_code.new_admin[0].expires_at
    }
  }
}

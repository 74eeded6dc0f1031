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

# Each opening of an ephemeral resource mints a code, valid until it
# expires, and Terraform and OpenTofu open it at plan and again at apply,
# unless an argument is unknown at plan: then at apply only. So
# `terraform apply -var invite_new_admin=true` mints exactly one code, the one
# delivered; every other run (the variable false, its default) mints none.
# To invite again, apply once more with true.
variable "invite_new_admin" {
  type    = bool
  default = false
}

# Replaced in every run that invites (timestamp() is known only at apply), so
# its output, the identity's id, is unknown at plan.
resource "terraform_data" "invitation" {
  count            = var.invite_new_admin ? 1 : 0
  input            = ory_identity.new_admin.id
  triggers_replace = timestamp()
}

ephemeral "ory_identity_recovery_code" "new_admin" {
  count       = var.invite_new_admin ? 1 : 0
  identity_id = terraform_data.invitation[0].output
  expires_in  = "72h"
}

# Provisioners may use ephemeral values. This one runs in the run that
# invites: the pipeline's own delivery step (a script that mails the link and
# posts the code to a chat, say) gets both through the environment. Send
# link and code through different channels.
resource "terraform_data" "deliver_invitation" {
  count            = var.invite_new_admin ? 1 : 0
  triggers_replace = terraform_data.invitation[0].id

  provisioner "local-exec" {
    command = "./deliver-invite.sh new-admin@example.com"
    environment = {
      RECOVERY_LINK = ephemeral.ory_identity_recovery_code.new_admin[0].recovery_link
      RECOVERY_CODE = ephemeral.ory_identity_recovery_code.new_admin[0].recovery_code
      EXPIRES_AT    = ephemeral.ory_identity_recovery_code.new_admin[0].expires_at
    }
  }
}

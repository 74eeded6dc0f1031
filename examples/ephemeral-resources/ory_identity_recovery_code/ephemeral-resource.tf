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

ephemeral "ory_identity_recovery_code" "new_admin" {
  identity_id = ory_identity.new_admin.id
  expires_in  = "72h"
}

# Provisioners may use ephemeral values. This one runs when terraform_data is
# created, so once per identity: the pipeline's own delivery step (a script
# that mails the link and posts the code to a chat, say) gets both through
# the environment. Send link and code through different channels.
resource "terraform_data" "invite_new_admin" {
  triggers_replace = ory_identity.new_admin.id

  provisioner "local-exec" {
    command = "./deliver-invite.sh new-admin@example.com"
    environment = {
      RECOVERY_LINK = ephemeral.ory_identity_recovery_code.new_admin.recovery_link
      RECOVERY_CODE = ephemeral.ory_identity_recovery_code.new_admin.recovery_code
      EXPIRES_AT    = ephemeral.ory_identity_recovery_code.new_admin.expires_at
    }
  }
}

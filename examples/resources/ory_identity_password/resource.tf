# A deploy bot that logs in with a username. Its password comes from the
# pipeline's secret store through an ephemeral variable and is sent
# write-only: it is in neither plan nor state (Terraform and OpenTofu 1.11
# and later). To rotate it, change the secret and bump password_wo_version.
variable "deploy_bot_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "ory_identity" "deploy_bot" {
  schema_id = "username"
  traits    = jsonencode({ username = "deploy-bot" })
}

resource "ory_identity_password" "deploy_bot" {
  identity_id         = ory_identity.deploy_bot.id
  password_wo         = var.deploy_bot_password
  password_wo_version = 1
}

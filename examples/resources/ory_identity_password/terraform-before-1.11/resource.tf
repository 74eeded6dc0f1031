# Terraform and OpenTofu before 1.11 have no write-only arguments: use
# password. It is kept in the state in clear text (sensitive, so plan output
# hides it): encrypt the state and restrict who reads it. Changing the value
# sets the new password.
variable "deploy_bot_password" {
  type      = string
  sensitive = true
}

resource "ory_identity" "deploy_bot" {
  schema_id = "username"
  traits    = jsonencode({ username = "deploy-bot" })
}

resource "ory_identity_password" "deploy_bot" {
  identity_id = ory_identity.deploy_bot.id
  password    = var.deploy_bot_password
}

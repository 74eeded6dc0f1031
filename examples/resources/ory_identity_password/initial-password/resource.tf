# A person's account: Terraform sets an initial password, handed over once,
# and the person chooses their own in their account settings. With
# on_change_outside = "keep" that change is reported once and kept: plan
# stays clean and nothing is reverted.
variable "alice_initial_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "ory_identity" "alice" {
  schema_id = "email"
  traits = jsonencode({
    email = "alice@example.com"
    name  = "Alice"
  })
  verified_addresses = ["alice@example.com"]
}

resource "ory_identity_password" "alice" {
  identity_id         = ory_identity.alice.id
  password_wo         = var.alice_initial_password
  password_wo_version = 1 # bump to set a new initial password (a reset)
  on_change_outside   = "keep"
}

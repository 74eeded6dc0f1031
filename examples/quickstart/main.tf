# Quickstart: an admin who logs in with a phone number and a password, whose
# email is verified, marked as admin in its public metadata. `make demo`
# applies it against a local Kratos; README.md here shows how to apply it
# against your own.

terraform {
  required_providers {
    ory = {
      source = "identity-as-code/ory"
    }
  }
}

# The Kratos admin API (or an Ory Network project) comes from ORY_URL, and
# for Ory Network the key from ORY_API_KEY.
provider "ory" {}

variable "admin_phone" {
  description = "The admin's phone number in E.164 form: the login identifier."
  type        = string
  default     = "+14155552671"
}

variable "admin_email" {
  description = "The admin's email address, marked verified and used for recovery."
  type        = string
  default     = "admin@example.com"
}

resource "ory_identity" "admin" {
  # The id under which Kratos serves identity.schema.json.
  schema_id = "phone"
  traits = jsonencode({
    phone = var.admin_phone
    email = var.admin_email
    name  = "Quickstart Admin"
  })
  # Verified from the start: Kratos sends no verification message.
  verified_addresses = [var.admin_email]
  # The role lives in metadata, not in traits: users can edit their own traits
  # through the settings flow, metadata only through the admin API.
  metadata_public = jsonencode({ role = "admin" })
}

output "admin_id" {
  value = ory_identity.admin.id
}

output "admin_phone" {
  value = var.admin_phone
}

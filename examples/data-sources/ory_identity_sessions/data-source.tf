# Audit that an offboarded admin has no session left: the check block warns
# in every plan and apply while one is active.
variable "offboarded_identity_id" {
  type = string
}

data "ory_identity_sessions" "offboarded" {
  identity_id = var.offboarded_identity_id
}

check "offboarded_admin_logged_out" {
  assert {
    condition     = length(data.ory_identity_sessions.offboarded.sessions) == 0
    error_message = "The offboarded admin still has ${length(data.ory_identity_sessions.offboarded.sessions)} active session(s): end them with ory_identity.state = \"inactive\"."
  }
}

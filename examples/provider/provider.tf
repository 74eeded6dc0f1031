# Self-hosted Ory Kratos: point url at the admin API. No key is needed when
# the admin API is reachable only from where Terraform runs.
provider "ory" {
  url = "http://127.0.0.1:4434"
}

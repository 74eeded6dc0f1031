# Self-hosted Ory Kratos: point url at the admin API. No key is needed when
# the admin API is reachable only from where Terraform runs.
provider "ory" {
  url = "http://127.0.0.1:4434"
}

# Ory Network: the project URL and a project API key, here from a variable.
# Both may also come from the environment: ORY_URL and ORY_API_KEY.
provider "ory" {
  alias   = "network"
  url     = "https://my-project-slug.projects.oryapis.com"
  api_key = var.ory_api_key
}

variable "ory_api_key" {
  type      = string
  sensitive = true
}

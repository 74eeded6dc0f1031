# Ory Network: the project's API URL and a project API key, here from a
# sensitive variable. Both may come from the environment instead (ORY_URL and
# ORY_API_KEY), and then the block is just: provider "ory" {}
provider "ory" {
  url     = "https://my-project-slug.projects.oryapis.com"
  api_key = var.ory_api_key
}

variable "ory_api_key" {
  type      = string
  sensitive = true
}

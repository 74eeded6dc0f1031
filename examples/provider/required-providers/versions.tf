terraform {
  required_providers {
    ory = {
      source  = "identity-as-code/ory"
      version = "~> 0.1"
    }
  }
}

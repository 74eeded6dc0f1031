package main

import (
	"flag"
	"log"

	"github.com/identity-as-code/terraform-provider-ory/internal/provider"
	"github.com/identity-as-code/terraform-provider-ory/internal/serve"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := serve.Provider("registry.terraform.io/identity-as-code/ory", provider.New(version), debug)
	if err != nil {
		log.Fatal(err.Error())
	}
}

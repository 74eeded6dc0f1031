package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/identity-as-code/terraform-provider-ory/internal/provider"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	silenceUnreadLogs(debug)

	stopProfiles, err := startProfiles()
	if err != nil {
		log.Fatal(err.Error())
	}
	err = providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/identity-as-code/ory",
		Debug:   debug,
	})
	if perr := stopProfiles(); perr != nil {
		log.Print(perr.Error())
	}
	if err != nil {
		log.Fatal(err.Error())
	}
}

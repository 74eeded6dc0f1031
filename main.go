package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/identity-as-code/terraform-provider-ory/internal/provider"
)

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	stopProfiles, err := startProfiles()
	if err != nil {
		log.Fatal(err.Error())
	}
	var serveOpts []tf6server.ServeOpt
	if debug {
		serveOpts = append(serveOpts, tf6server.WithManagedDebug())
	}
	quiet := silenceUnreadLogs(debug)
	err = tf6server.Serve("registry.terraform.io/identity-as-code/ory", func() tfprotov6.ProviderServer {
		s := providerserver.NewProtocol6(provider.New(version)())()
		if quiet {
			return quietServer{s}
		}
		return s
	}, serveOpts...)
	if perr := stopProfiles(); perr != nil {
		log.Print(perr.Error())
	}
	if err != nil {
		log.Fatal(err.Error())
	}
}

// Package serve serves the provider to the CLI over gRPC, with what the
// framework's providerserver.Serve leaves out: no logs written when nobody
// reads them, calls that keep no context after they return, and profiles of
// the run when the build and the environment ask for them.
package serve

import (
	"log"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Provider serves p at address until the CLI stops it; debug serves it for
// debuggers like delve (tf6server.WithManagedDebug).
func Provider(address string, p func() provider.Provider, debug bool) error {
	stopProfiles, err := startProfiles()
	if err != nil {
		return err
	}
	var serveOpts []tf6server.ServeOpt
	if debug {
		serveOpts = append(serveOpts, tf6server.WithManagedDebug())
	}
	silenced := silenceUnreadLogs(debug)
	err = tf6server.Serve(address, func() tfprotov6.ProviderServer {
		s := providerserver.NewProtocol6(p())()
		if silenced {
			return detachedContextServer{s}
		}
		return s
	}, serveOpts...)
	if perr := stopProfiles(); perr != nil {
		log.Print(perr.Error())
	}
	return err
}

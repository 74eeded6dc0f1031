package provider

import (
	"fmt"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// providerData is what Configure gives every resource and data source: the
// API client, and what one run remembers across them.
type providerData struct {
	client *ory.Client
	// schemaWarned is set once a plan has warned about identity schemas it
	// could not use: a plan warns once, not once per identity.
	schemaWarned *atomic.Bool
}

// providerDataFrom is the shared Configure step of resources and data
// sources; nil before the provider is configured.
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	d, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("expected *providerData, got %T. This is a bug in the provider; please report it", data))
	}
	return d
}

// clientFrom is the API client of the provider data, nil before the provider
// is configured.
func clientFrom(data any, diags *diag.Diagnostics) *ory.Client {
	if d := providerDataFrom(data, diags); d != nil {
		return d.client
	}
	return nil
}

// configured reports whether the provider block could be configured.
func configured(c *ory.Client, diags *diag.Diagnostics) bool {
	if c != nil {
		return true
	}
	diags.AddError("Provider Not Configured",
		"The ory provider has no client: its url or api_key was not known when this operation ran. Make sure they are known at apply time.")
	return false
}

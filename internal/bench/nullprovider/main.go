// Command nullprovider is a Terraform provider that makes no API call, built
// with the same terraform-plugin-framework as terraform-provider-ory. The
// CLI benchmark measures it as a floor: what N resources cost any framework
// provider (the plugin protocol, the framework's conversions, the CLI's work
// for a provider outside its own binary) before it does anything.
//
// Its one resource, benchnull_identity, has the configurable attributes of
// ory_identity that the benchmark sets (schema_id, traits) and two computed
// ones (id, state); Create fills them in, Read returns the state as it is.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return nullProvider{} },
		// The benchmark maps this address to the binary with dev_overrides.
		providerserver.ServeOpts{Address: "registry.terraform.io/identity-as-code/benchnull"})
	if err != nil {
		log.Fatal(err)
	}
}

type nullProvider struct{}

func (nullProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "benchnull"
}

func (nullProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (nullProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (nullProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return identity{} }}
}

func (nullProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

type identity struct{}

type identityModel struct {
	ID       types.String `tfsdk:"id"`
	SchemaID types.String `tfsdk:"schema_id"`
	Traits   types.String `tfsdk:"traits"`
	State    types.String `tfsdk:"state"`
}

func (identity) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "benchnull_identity"
}

func (identity) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"id":        schema.StringAttribute{Computed: true, PlanModifiers: keep},
		"schema_id": schema.StringAttribute{Required: true},
		"traits":    schema.StringAttribute{Required: true},
		"state":     schema.StringAttribute{Computed: true, PlanModifiers: keep},
	}}
}

func (identity) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m identityModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	m.ID = types.StringValue(hex.EncodeToString(id))
	m.State = types.StringValue("active")
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (identity) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m identityModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (identity) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m identityModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (identity) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

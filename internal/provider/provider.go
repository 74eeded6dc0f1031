// Package provider is the Terraform glue: the provider block, resources and
// data sources, and the mapping between Terraform values and internal/ory.
package provider

import (
	"context"
	"fmt"
	"maps"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

var (
	_ provider.Provider                       = (*oryProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*oryProvider)(nil)
	_ provider.ProviderWithListResources      = (*oryProvider)(nil)
)

// Environment variables the provider block falls back to, in order.
var (
	urlEnvVars    = []string{"ORY_URL", "ORY_SDK_URL"}
	apiKeyEnvVars = []string{"ORY_API_KEY", "ORY_PROJECT_API_KEY"}
	caCertEnvVars = []string{"ORY_CA_CERT_FILE"}
)

// Environment variables for the settings a pipeline tunes per run.
const (
	requestTimeoutEnvVar = "ORY_REQUEST_TIMEOUT"
	rateLimitWaitEnvVar  = "ORY_RATE_LIMIT_WAIT"
)

type oryProvider struct {
	version string
}

type oryProviderModel struct {
	URL            types.String `tfsdk:"url"`
	APIKey         types.String `tfsdk:"api_key"`
	CACertFile     types.String `tfsdk:"ca_cert_file"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RateLimitWait  types.String `tfsdk:"rate_limit_wait"`
	officialProviderSettings
}

// New returns the provider factory for the given release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &oryProvider{version: version}
	}
}

func (p *oryProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "ory"
	resp.Version = p.version
}

func (p *oryProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages Ory identities as code, on self-hosted Ory Kratos (admin API) and on Ory Network (project API).",
		Attributes: map[string]schema.Attribute{
			"url": schema.StringAttribute{
				MarkdownDescription: "The Ory API to manage: a Kratos admin URL such as `http://127.0.0.1:4434`, or an Ory Network project URL such as `https://<slug>.projects.oryapis.com` (Ory Network answers only `https`). " +
					"Falls back to the environment variables " + quote.Join(urlEnvVars, quote.Code, " and ") + ", in that order.",
				Optional: true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "An Ory Network project API key (`ory_pat_...`) of the project that `url` names, sent as a Bearer token; a workspace API key is refused. Not needed for self-hosted Kratos whose admin API is not exposed publicly. " +
					"Falls back to " + quote.Join(apiKeyEnvVars, quote.Code, " and ") + ". When the API refuses it (HTTP 401 or 403), the error says where the key came from, never the key.",
				Optional:  true,
				Sensitive: true,
			},
			"ca_cert_file": schema.StringAttribute{
				MarkdownDescription: "A PEM file of CA certificates to trust, besides the system's, for the API's TLS: for a self-hosted Kratos behind TLS with a private CA. " +
					"Falls back to " + quote.Join(caCertEnvVars, quote.Code, " and ") + ".",
				Optional: true,
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long one attempt waits for the API to start answering (the status and headers, after the request was sent), as a Go duration such as `30s` or `2m`. "+
					"It bounds each attempt, not the whole call: retries and rate-limit waits come on top (see `max_retries` and `rate_limit_wait`). Defaults to `%s`. Falls back to `"+requestTimeoutEnvVar+"`.", ory.DefaultRequestTimeout),
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How often one call is retried after an answer that says the request was not processed (503, a connection that could not be opened), and a read after a 502, 504, dropped connection or timeout, with exponential backoff; "+
					"a 429 is bounded by `rate_limit_wait` instead, and a write whose answer was lost is resolved, not resent ([Reliability](https://github.com/identity-as-code/terraform-provider-ory#reliability)). `0` disables retries. Defaults to `%d`. Falls back to `"+maxRetriesEnvVar+"`.", ory.DefaultMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 100)},
			},
			"rate_limit_wait": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long one call may wait for Ory Network's rate limits (pacing and 429s) before it fails, as a Go duration such as `5m`; "+
					"the error then names the rate-limit bucket, its limits and the tier they belong to. Defaults to `%dm`. Falls back to `"+rateLimitWaitEnvVar+"`.", int(ory.DefaultRateLimitWait.Minutes())),
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
		},
	}
	maps.Copy(resp.Schema.Attributes, officialProviderAttributes())
}

func (p *oryProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg oryProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	applyOfficialSettings(&cfg, &resp.Diagnostics)
	maxRetriesFromEnv(&cfg, &resp.Diagnostics)
	durationsFromEnv(&cfg, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// A URL or key that comes from another resource is not known during the
	// first plan. Leave the provider unconfigured; it is configured again
	// with known values before anything is applied.
	if cfg.anyUnknown() {
		return
	}

	clientCfg, ok := clientConfigFrom(cfg, &resp.Diagnostics)
	if !ok {
		return
	}
	clientCfg.UserAgent = fmt.Sprintf("terraform-provider-ory/%s (+https://registry.terraform.io/providers/identity-as-code/ory)", p.version)
	c, err := ory.New(clientCfg)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Configure the Ory Provider", "Building the API client failed: "+err.Error()+". This is a bug in the provider; please report it.")
		return
	}
	data := &providerData{client: c, schemaWarned: &atomic.Bool{}}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
}

func (p *oryProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewIdentityResource,
		NewIdentityPasswordResource,
		NewIdentitySecondFactorResetResource,
		NewIdentityOIDCCredentialResource,
	}
}

func (p *oryProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewIdentityListResource,
	}
}

func (p *oryProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewIdentityDataSource,
		NewIdentitiesDataSource,
		NewIdentitySchemaDataSource,
		NewIdentitySchemasDataSource,
		NewIdentitySessionsDataSource,
	}
}

func (p *oryProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewIdentityRecoveryCodeEphemeralResource,
	}
}

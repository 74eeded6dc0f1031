// Package provider is the Terraform glue: the provider block, resources and
// data sources, and the mapping between Terraform values and internal/ory.
package provider

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
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
)

type oryProvider struct {
	version string
}

type oryProviderModel struct {
	URL            types.String `tfsdk:"url"`
	APIKey         types.String `tfsdk:"api_key"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
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
				MarkdownDescription: "The Ory API to manage: a Kratos admin URL such as `http://127.0.0.1:4434`, or an Ory Network project URL such as `https://<slug>.projects.oryapis.com`. " +
					"Falls back to the environment variables " + envList(urlEnvVars) + ", in that order.",
				Optional: true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "An Ory Network project API key, sent as a Bearer token. Not needed for self-hosted Kratos whose admin API is not exposed publicly. " +
					"Falls back to " + envList(apiKeyEnvVars) + ".",
				Optional:  true,
				Sensitive: true,
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long to wait for each answer of the API, as a Go duration such as `30s` or `2m`. Defaults to `%s`.", ory.DefaultRequestTimeout),
				Optional:            true,
				Validators:          []validator.String{durationValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How often one call is retried, with exponential backoff. Answers that say the request was not processed are retried: 429 (waiting as `Retry-After` or `X-RateLimit-Reset` says), 503, and connections that could not be opened. "+
					"A write that got no usable answer (502, 504, a dropped connection, a timeout) is never resent on a guess: the provider first reads Ory to find out whether it took effect, and resends only what did not. `0` disables retries. Defaults to `%d`. Falls back to `"+maxRetriesEnvVar+"`.", ory.DefaultMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 100)},
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
	if resp.Diagnostics.HasError() {
		return
	}
	// A URL or key that comes from another resource is not known during the
	// first plan. Leave the provider unconfigured; it is configured again
	// with known values before anything is applied.
	if cfg.URL.IsUnknown() || cfg.APIKey.IsUnknown() || cfg.RequestTimeout.IsUnknown() || cfg.MaxRetries.IsUnknown() {
		return
	}

	rawURL := firstSet(cfg.URL.ValueString(), urlEnvVars)
	if rawURL == "" {
		resp.Diagnostics.AddAttributeError(path.Root("url"), "Missing Ory URL",
			"The provider needs the URL of the Ory API to manage. Set `url` in the provider block, or one of the environment variables "+
				envList(urlEnvVars)+", to a Kratos admin URL (http://127.0.0.1:4434) or an Ory Network project URL (https://<slug>.projects.oryapis.com).")
		return
	}
	base, err := ory.ParseURL(rawURL)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("url"), "Invalid Ory URL",
			"The Ory URL (from `url` or "+envList(urlEnvVars)+") is not usable: "+err.Error()+
				". Use a Kratos admin URL such as http://127.0.0.1:4434 or an Ory Network project URL such as https://<slug>.projects.oryapis.com.")
		return
	}
	apiKey := firstSet(cfg.APIKey.ValueString(), apiKeyEnvVars)
	if apiKey == "" && isOryNetwork(base) {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing Ory API Key",
			"The URL "+base+" is an Ory Network project, whose admin API needs a project API key. Set `api_key`, or one of "+envList(apiKeyEnvVars)+".")
		return
	}

	timeout := ory.DefaultRequestTimeout
	if s := cfg.RequestTimeout.ValueString(); s != "" {
		// Validated as a duration at plan time.
		timeout, _ = time.ParseDuration(s)
	}
	retries := ory.DefaultMaxRetries
	if !cfg.MaxRetries.IsNull() {
		retries = int(cfg.MaxRetries.ValueInt64())
	}

	c, err := ory.New(ory.Config{
		URL:            base,
		APIKey:         apiKey,
		RequestTimeout: timeout,
		MaxRetries:     retries,
		UserAgent:      fmt.Sprintf("terraform-provider-ory/%s (+https://registry.terraform.io/providers/identity-as-code/ory)", p.version),
	})
	if err != nil {
		resp.Diagnostics.AddError("Unable to Configure the Ory Provider", "Building the API client failed: "+err.Error()+". This is a bug in the provider; please report it.")
		return
	}
	resp.ResourceData = c
	resp.DataSourceData = c
	resp.EphemeralResourceData = c
	resp.ListResourceData = c
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

// firstSet returns v, or else the first environment variable that is set.
func firstSet(v string, envVars []string) string {
	if v != "" {
		return v
	}
	for _, name := range envVars {
		if s := os.Getenv(name); s != "" {
			return s
		}
	}
	return ""
}

func envList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	return strings.Join(quoted, " and ")
}

func isOryNetwork(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	host := u.Hostname()
	return strings.HasSuffix(host, ".oryapis.com")
}

// clientFrom is the shared Configure step of resources and data sources.
func clientFrom(providerData any, diags *diag.Diagnostics) *ory.Client {
	if providerData == nil {
		return nil
	}
	c, ok := providerData.(*ory.Client)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("expected *ory.Client, got %T. This is a bug in the provider; please report it", providerData))
	}
	return c
}

// Package provider is the Terraform glue: the provider block, resources and
// data sources, and the mapping between Terraform values and internal/ory.
package provider

import (
	"context"
	"crypto/x509"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync/atomic"
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
	if cfg.URL.IsUnknown() || cfg.APIKey.IsUnknown() || cfg.CACertFile.IsUnknown() || cfg.RequestTimeout.IsUnknown() ||
		cfg.MaxRetries.IsUnknown() || cfg.RateLimitWait.IsUnknown() {
		return
	}

	rawURL, _ := firstSet(cfg.URL.ValueString(), urlEnvVars)
	if rawURL == "" {
		resp.Diagnostics.AddAttributeError(path.Root("url"), "Missing Ory URL",
			"The provider needs the URL of the Ory API to manage. Set `url` in the provider block, or one of the environment variables "+
				quote.Join(urlEnvVars, quote.Code, " and ")+", to a Kratos admin URL (http://127.0.0.1:4434) or an Ory Network project URL (https://<slug>.projects.oryapis.com).")
		return
	}
	base, err := ory.ParseURL(rawURL)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("url"), "Invalid Ory URL",
			"The Ory URL (from `url` or "+quote.Join(urlEnvVars, quote.Code, " and ")+") is not usable: "+err.Error()+
				". Use a Kratos admin URL such as http://127.0.0.1:4434 or an Ory Network project URL such as https://<slug>.projects.oryapis.com.")
		return
	}
	// Errors about a refused key say where it came from.
	apiKey, apiKeySource := firstSet(cfg.APIKey.ValueString(), apiKeyEnvVars)
	switch {
	case apiKey == "":
		apiKeySource = ""
	case apiKeySource == "":
		apiKeySource = "api_key"
	}
	if apiKey == "" && ory.IsOryNetwork(base) {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing Ory API Key",
			"The URL "+base+" is an Ory Network project, whose admin API needs a project API key. Set `api_key`, or one of "+quote.Join(apiKeyEnvVars, quote.Code, " and ")+".")
		return
	}

	var roots *x509.CertPool
	if file, from := firstSet(cfg.CACertFile.ValueString(), caCertEnvVars); file != "" {
		if roots, err = ory.LoadCACertFile(file); err != nil {
			if from == "" {
				from = "ca_cert_file"
			}
			resp.Diagnostics.AddAttributeError(path.Root("ca_cert_file"), "Unusable CA Certificate File",
				"The CA certificate file (from `"+from+"`) can not be used: "+err.Error()+
					". Set `ca_cert_file` or "+quote.Join(caCertEnvVars, quote.Code, " and ")+" to a PEM file with the certificate of the CA that signed the API's TLS certificate, or leave both unset to trust the system's CAs only.")
			return
		}
	}

	// Validated as durations at plan time.
	timeout := ory.DefaultRequestTimeout
	if s := cfg.RequestTimeout.ValueString(); s != "" {
		timeout, _ = time.ParseDuration(s)
	}
	rateLimitWait := ory.DefaultRateLimitWait
	if s := cfg.RateLimitWait.ValueString(); s != "" {
		rateLimitWait, _ = time.ParseDuration(s)
	}
	retries := ory.DefaultMaxRetries
	if !cfg.MaxRetries.IsNull() {
		retries = int(cfg.MaxRetries.ValueInt64())
	}

	c, err := ory.New(ory.Config{
		URL:            base,
		APIKey:         apiKey,
		APIKeySource:   apiKeySource,
		RootCAs:        roots,
		RequestTimeout: timeout,
		MaxRetries:     retries,
		RateLimitWait:  rateLimitWait,
		UserAgent:      fmt.Sprintf("terraform-provider-ory/%s (+https://registry.terraform.io/providers/identity-as-code/ory)", p.version),
	})
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

// durationsFromEnv fills in request_timeout and rate_limit_wait from their
// environment variables when the block does not set them; the schema's
// validator never sees these, so they are checked here.
func durationsFromEnv(cfg *oryProviderModel, diags *diag.Diagnostics) {
	for _, d := range []struct {
		attr, envVar string
		value        *types.String
	}{
		{"request_timeout", requestTimeoutEnvVar, &cfg.RequestTimeout},
		{"rate_limit_wait", rateLimitWaitEnvVar, &cfg.RateLimitWait},
	} {
		s := strings.TrimSpace(os.Getenv(d.envVar))
		if s == "" || !d.value.IsNull() {
			continue
		}
		if v, err := time.ParseDuration(s); err != nil || v <= 0 {
			diags.AddError("Invalid Duration",
				fmt.Sprintf("The environment variable `%s` is %q: it must be a Go duration greater than zero, such as `30s` or `5m`. Fix or unset it, or set `%s` in the provider block.", d.envVar, s, d.attr))
			continue
		}
		*d.value = types.StringValue(s)
	}
}

// firstSet returns v, or else the first environment variable that is set
// and its name ("" for v).
func firstSet(v string, envVars []string) (value, from string) {
	if v != "" {
		return v, ""
	}
	for _, name := range envVars {
		if s := os.Getenv(name); s != "" {
			return s, name
		}
	}
	return "", ""
}

package provider

import (
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

// The provider block's settings, resolved against the environment into the
// API client's configuration. Each setting's errors name the attribute and
// the environment variables it may come from.

// anyUnknown reports whether a setting comes from another resource and is
// not known yet (the first plan).
func (cfg oryProviderModel) anyUnknown() bool {
	return cfg.URL.IsUnknown() || cfg.APIKey.IsUnknown() || cfg.CACertFile.IsUnknown() || cfg.RequestTimeout.IsUnknown() ||
		cfg.MaxRetries.IsUnknown() || cfg.RateLimitWait.IsUnknown()
}

// clientConfigFrom resolves the known settings of cfg, with their
// environment fallbacks, into the client's configuration; false after an
// error in diags.
func clientConfigFrom(cfg oryProviderModel, diags *diag.Diagnostics) (ory.Config, bool) {
	base, ok := apiURLFrom(cfg, diags)
	if !ok {
		return ory.Config{}, false
	}
	apiKey, apiKeySource, ok := apiKeyFrom(cfg, base, diags)
	if !ok {
		return ory.Config{}, false
	}
	roots, ok := rootCAsFrom(cfg, diags)
	if !ok {
		return ory.Config{}, false
	}
	retries := ory.DefaultMaxRetries
	if !cfg.MaxRetries.IsNull() {
		retries = int(cfg.MaxRetries.ValueInt64())
	}
	return ory.Config{
		URL:            base,
		APIKey:         apiKey,
		APIKeySource:   apiKeySource,
		RootCAs:        roots,
		RequestTimeout: durationOr(cfg.RequestTimeout, ory.DefaultRequestTimeout),
		MaxRetries:     retries,
		RateLimitWait:  durationOr(cfg.RateLimitWait, ory.DefaultRateLimitWait),
	}, true
}

// apiURLFrom is the API's base URL, from url or its environment variables.
func apiURLFrom(cfg oryProviderModel, diags *diag.Diagnostics) (string, bool) {
	rawURL, _ := firstSet(cfg.URL.ValueString(), urlEnvVars)
	if rawURL == "" {
		diags.AddAttributeError(path.Root("url"), "Missing Ory URL",
			"The provider needs the URL of the Ory API to manage. Set `url` in the provider block, or one of the environment variables "+
				quote.Join(urlEnvVars, quote.Code, " and ")+", to a Kratos admin URL (http://127.0.0.1:4434) or an Ory Network project URL (https://<slug>.projects.oryapis.com).")
		return "", false
	}
	base, err := ory.ParseURL(rawURL)
	if err != nil {
		diags.AddAttributeError(path.Root("url"), "Invalid Ory URL",
			"The Ory URL (from `url` or "+quote.Join(urlEnvVars, quote.Code, " and ")+") is not usable: "+err.Error()+
				". Use a Kratos admin URL such as http://127.0.0.1:4434 or an Ory Network project URL such as https://<slug>.projects.oryapis.com.")
		return "", false
	}
	return base, true
}

// apiKeyFrom is the API key and where it came from (errors about a refused
// key say so); Ory Network needs one.
func apiKeyFrom(cfg oryProviderModel, base string, diags *diag.Diagnostics) (key, source string, ok bool) {
	key, source = firstSet(cfg.APIKey.ValueString(), apiKeyEnvVars)
	switch {
	case key == "":
		source = ""
	case source == "":
		source = "api_key"
	}
	if key == "" && ory.IsOryNetwork(base) {
		diags.AddAttributeError(path.Root("api_key"), "Missing Ory API Key",
			"The URL "+base+" is an Ory Network project, whose admin API needs a project API key. Set `api_key`, or one of "+quote.Join(apiKeyEnvVars, quote.Code, " and ")+".")
		return "", "", false
	}
	return key, source, true
}

// rootCAsFrom is the system's CAs and those of ca_cert_file, or nil for
// the system's alone.
func rootCAsFrom(cfg oryProviderModel, diags *diag.Diagnostics) (*x509.CertPool, bool) {
	file, from := firstSet(cfg.CACertFile.ValueString(), caCertEnvVars)
	if file == "" {
		return nil, true
	}
	roots, err := ory.LoadCACertFile(file)
	if err != nil {
		if from == "" {
			from = "ca_cert_file"
		}
		diags.AddAttributeError(path.Root("ca_cert_file"), "Unusable CA Certificate File",
			"The CA certificate file (from `"+from+"`) can not be used: "+err.Error()+
				". Set `ca_cert_file` or "+quote.Join(caCertEnvVars, quote.Code, " and ")+" to a PEM file with the certificate of the CA that signed the API's TLS certificate, or leave both unset to trust the system's CAs only.")
		return nil, false
	}
	return roots, true
}

// durationOr is v as a duration, or def when unset. Values are validated
// as durations at plan time, and those from the environment by
// durationsFromEnv.
func durationOr(v types.String, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(v.ValueString()); err == nil {
		return d
	}
	return def
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

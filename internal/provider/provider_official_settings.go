package provider

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

// The official Ory provider (ory/ory) is configured by project slug and a URL
// template rather than by URL; pipelines set its environment variables. Its
// settings are accepted here so that a configuration switches providers
// without being rewritten.

const (
	projectSlugEnvVar   = "ORY_PROJECT_SLUG"
	projectAPIURLEnvVar = "ORY_PROJECT_API_URL"
	maxRetriesEnvVar    = "ORY_MAX_RETRIES"
	// defaultProjectAPIURL is the official provider's default template.
	defaultProjectAPIURL = "https://%s.projects.oryapis.com"
)

// officialUnusedSettings are official settings for workspaces and projects,
// which this provider does not manage.
var officialUnusedSettings = []string{"workspace_api_key", "console_api_url", "project_id", "workspace_id"}

// officialProviderSettings are the provider block's attributes that come from
// the official provider (embedded in oryProviderModel).
type officialProviderSettings struct {
	ProjectSlug     types.String `tfsdk:"project_slug"`
	ProjectAPIURL   types.String `tfsdk:"project_api_url"`
	ProjectAPIKey   types.String `tfsdk:"project_api_key"`
	WorkspaceAPIKey types.String `tfsdk:"workspace_api_key"`
	ConsoleAPIURL   types.String `tfsdk:"console_api_url"`
	ProjectID       types.String `tfsdk:"project_id"`
	WorkspaceID     types.String `tfsdk:"workspace_id"`
}

// officialProviderAttributes are the schema of officialProviderSettings.
func officialProviderAttributes() map[string]schema.Attribute {
	unused := func(what string, sensitive bool) schema.Attribute {
		return schema.StringAttribute{
			MarkdownDescription: "A setting of the official Ory provider (" + what + "), accepted so that its provider blocks work unchanged. " +
				"It means nothing here: this provider manages identities only, not workspaces or projects. Setting it gives a warning.",
			Optional:  true,
			Sensitive: sensitive,
		}
	}
	return map[string]schema.Attribute{
		"project_slug": schema.StringAttribute{
			MarkdownDescription: "The slug of an Ory Network project, as the official Ory provider takes it: another way to give `url`, which becomes `project_api_url` with the slug in place of `%s`. " +
				"Falls back to `" + projectSlugEnvVar + "` (after " + quote.Join(urlEnvVars, quote.Code, " and ") + "). Conflicts with `url`.",
			Optional: true,
		},
		"project_api_url": schema.StringAttribute{
			MarkdownDescription: "The URL template that `project_slug` is put into at `%s`. Falls back to `" + projectAPIURLEnvVar + "`; defaults to `" + defaultProjectAPIURL + "`.",
			Optional:            true,
		},
		"project_api_key": schema.StringAttribute{
			MarkdownDescription: "Another name for `api_key`, as the official Ory provider calls it. Conflicts with `api_key`.",
			Optional:            true,
			Sensitive:           true,
		},
		"workspace_api_key": unused("a workspace API key", true),
		"console_api_url":   unused("the Ory Console API", false),
		"project_id":        unused("a project id for project management", false),
		"workspace_id":      unused("a workspace id", false),
	}
}

// applyOfficialSettings folds the official provider's settings into cfg's
// url and api_key, so that Configure reads only those. Two settings that name
// the same thing are an error naming both. A value not yet known makes the one
// it feeds unknown, which Configure waits for.
func applyOfficialSettings(cfg *oryProviderModel, diags *diag.Diagnostics) {
	o := cfg.officialProviderSettings
	for _, name := range officialUnusedSettings {
		if v := o.unused(name); !v.IsNull() {
			diags.AddAttributeWarning(path.Root(name), "Setting Not Used",
				fmt.Sprintf("`%s` is a setting of the official Ory provider for workspaces and projects, which this provider does not manage: it is ignored. "+
					"Remove it from this provider block (keep it in the official provider's block if you use both providers).", name))
		}
	}

	switch {
	case o.ProjectAPIKey.IsNull():
	case !cfg.APIKey.IsNull():
		diags.AddAttributeError(path.Root("project_api_key"), "Conflicting Provider Settings",
			"Both `api_key` and `project_api_key` are set: they are two names for the same API key. Keep one.")
		return
	default:
		cfg.APIKey = o.ProjectAPIKey
	}

	if o.ProjectSlug.IsUnknown() || o.ProjectAPIURL.IsUnknown() {
		cfg.URL = types.StringUnknown()
		return
	}
	slug, slugFrom := o.ProjectSlug.ValueString(), "`project_slug`"
	if slug != "" && !cfg.URL.IsNull() {
		diags.AddAttributeError(path.Root("project_slug"), "Conflicting Provider Settings",
			"Both `url` and `project_slug` are set: each names the Ory API to manage. Keep one: `url` for any Ory API, or `project_slug` (with `project_api_url`) for an Ory Network project.")
		return
	}
	if slug == "" && cfg.URL.IsNull() {
		slug, slugFrom = os.Getenv(projectSlugEnvVar), "`"+projectSlugEnvVar+"`"
	}
	if slug == "" {
		if !o.ProjectAPIURL.IsNull() {
			diags.AddAttributeError(path.Root("project_api_url"), "Missing Project Slug",
				"`project_api_url` is a template for the project slug, but neither `project_slug` nor `"+projectSlugEnvVar+"` is set. Set `project_slug`, or give the whole URL in `url` instead.")
		}
		return
	}

	template, templateFrom := o.ProjectAPIURL.ValueString(), "`project_api_url`"
	if template == "" {
		template, templateFrom = os.Getenv(projectAPIURLEnvVar), "`"+projectAPIURLEnvVar+"`"
	}
	if template == "" {
		template = defaultProjectAPIURL
	} else if strings.Count(template, "%s") != 1 {
		diags.AddAttributeError(path.Root("project_api_url"), "Invalid Project API URL",
			fmt.Sprintf("The project URL template %s must hold `%%s` exactly once, where the project slug (from %s) goes, like `%s`.", templateFrom, slugFrom, defaultProjectAPIURL))
		return
	}
	u := strings.Replace(template, "%s", slug, 1)
	// From the environment the URL variables come first; a slug that names
	// another API is a mistake to report, not to settle by order.
	if envURL, _ := firstSet("", urlEnvVars); envURL != "" && o.ProjectSlug.IsNull() {
		if strings.TrimRight(envURL, "/") != strings.TrimRight(u, "/") {
			diags.AddError("Conflicting Provider Settings",
				"The environment variables "+quote.Join(urlEnvVars, quote.Code, " and ")+" and `"+projectSlugEnvVar+"` are both set and name different Ory APIs ("+envURL+" and "+u+"). "+
					"Unset one of them, or set `url` or `project_slug` in the provider block, which come before the environment.")
		}
		return
	}
	cfg.URL = types.StringValue(u)
}

// maxRetriesFromEnv fills in max_retries from ORY_MAX_RETRIES when the block
// does not set it.
func maxRetriesFromEnv(cfg *oryProviderModel, diags *diag.Diagnostics) {
	s := os.Getenv(maxRetriesEnvVar)
	if s == "" || !cfg.MaxRetries.IsNull() {
		return
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > 100 {
		diags.AddError("Invalid Max Retries",
			fmt.Sprintf("The environment variable `%s` is %q: it must be a whole number between 0 and 100. Fix or unset it, or set `max_retries` in the provider block.", maxRetriesEnvVar, s))
		return
	}
	cfg.MaxRetries = types.Int64Value(n)
}

func (o officialProviderSettings) unused(name string) types.String {
	switch name {
	case "workspace_api_key":
		return o.WorkspaceAPIKey
	case "console_api_url":
		return o.ConsoleAPIURL
	case "project_id":
		return o.ProjectID
	default:
		return o.WorkspaceID
	}
}

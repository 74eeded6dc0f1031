package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

var (
	_ ephemeral.EphemeralResource              = (*identityRecoveryCodeEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*identityRecoveryCodeEphemeralResource)(nil)
)

// NewIdentityRecoveryCodeEphemeralResource returns the
// ory_identity_recovery_code ephemeral resource.
func NewIdentityRecoveryCodeEphemeralResource() ephemeral.EphemeralResource {
	return &identityRecoveryCodeEphemeralResource{}
}

type identityRecoveryCodeEphemeralResource struct {
	client *ory.Client
}

type identityRecoveryCodeModel struct {
	IdentityID   types.String `tfsdk:"identity_id"`
	ExpiresIn    types.String `tfsdk:"expires_in"`
	RecoveryLink types.String `tfsdk:"recovery_link"`
	RecoveryCode types.String `tfsdk:"recovery_code"`
	ExpiresAt    types.String `tfsdk:"expires_at"`
}

func (r *identityRecoveryCodeEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_recovery_code"
}

func (r *identityRecoveryCodeEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A one-time recovery link and code for an identity, to invite a new admin who sets their own password. " +
			"Never in state or plan. Every opening mints a new code, which stays valid until it expires: see the example for an invitation that mints exactly one.",
		Attributes: map[string]schema.Attribute{
			"identity_id": schema.StringAttribute{
				MarkdownDescription: "The UUID of the identity to recover, usually `ory_identity.<name>.id`.",
				Required:            true,
				Validators:          []validator.String{uuidValidator{}},
			},
			"expires_in": schema.StringAttribute{
				MarkdownDescription: "How long the link and code are valid, as a Go duration such as `15m`, `24h` or `72h`. " +
					"Defaults to the server's lifespan for codes (`selfservice.methods.code.config.lifespan`, `1h` unless configured otherwise).",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
			"recovery_link": schema.StringAttribute{
				MarkdownDescription: "The link to the recovery UI for this flow (`selfservice.flows.recovery.ui_url` with `?flow=<id>`). It opens the page with an empty code field; " +
					"without `recovery_code` it recovers nothing (Ory takes at most five attempts per flow).",
				Computed: true,
			},
			"recovery_code": schema.StringAttribute{
				MarkdownDescription: "The one-time code to enter on the page behind `recovery_link`. Whoever holds both can take over the identity until `expires_at`.",
				Computed:            true,
				Sensitive:           true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the link and code expire, in RFC 3339 format (UTC).",
				Computed:            true,
			},
		},
	}
}

func (r *identityRecoveryCodeEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *identityRecoveryCodeEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var cfg identityRecoveryCodeModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client == nil {
		// Ephemeral resources are opened during plan too, and their result
		// must be known: a provider url known only at apply can not work
		// unless the client can defer.
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &ephemeral.Deferred{Reason: ephemeral.DeferredReasonProviderConfigUnknown}
			return
		}
		resp.Diagnostics.AddError("Provider Not Configured",
			"The ory provider has no client: its url or api_key was not known when this ephemeral resource was opened. "+
				"Ephemeral resources are opened during plan as well, so give the provider block values known at plan time "+
				"(literals, variables or the environment), not attributes of resources created in the same run.")
		return
	}
	id := cfg.IdentityID.ValueString()
	var expiresIn time.Duration
	if s := cfg.ExpiresIn.ValueString(); s != "" {
		// Validated as a duration greater than zero at plan time.
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("expires_in"), "Invalid Duration",
				fmt.Sprintf("expires_in must be a duration greater than zero, such as `15m` or `24h`; got %q. This should have been caught at plan time; please report it.", s))
			return
		}
		expiresIn = d
	}

	code, err := r.client.CreateRecoveryCode(ctx, id, expiresIn)
	if err != nil {
		switch {
		case ory.IsNotFound(err):
			resp.Diagnostics.Append(identityLookupError(path.Root("identity_id"), id, err))
		case errors.Is(err, ory.ErrRecoveryCodesDisabled):
			resp.Diagnostics.AddError("Recovery Codes Disabled",
				fmt.Sprintf("The server does not issue recovery codes; it says: %s. Enable the code method (selfservice.methods.code.enabled) "+
					"and recovery by code (selfservice.flows.recovery.enabled with use: code) in the Kratos configuration, or the code recovery method in the Ory Network project.", ory.Reason(err)))
		default:
			resp.Diagnostics.AddError("Unable to Create Recovery Code",
				fmt.Sprintf("Creating a recovery code for identity %s failed: %s", id, ory.Reason(err)))
		}
		return
	}

	cfg.RecoveryLink = types.StringValue(code.Link)
	cfg.RecoveryCode = types.StringValue(code.Code)
	cfg.ExpiresAt = types.StringNull()
	if !code.ExpiresAt.IsZero() {
		cfg.ExpiresAt = types.StringValue(code.ExpiresAt.Format(time.RFC3339))
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &cfg)...)
}

package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

var (
	_ resource.Resource                = (*identityOIDCCredentialResource)(nil)
	_ resource.ResourceWithConfigure   = (*identityOIDCCredentialResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*identityOIDCCredentialResource)(nil)
	_ resource.ResourceWithImportState = (*identityOIDCCredentialResource)(nil)
)

// noSlash matches strings without a slash.
var noSlash = regexp.MustCompile(`^[^/]*$`)

// NewIdentityOIDCCredentialResource returns the ory_identity_oidc_credential resource.
func NewIdentityOIDCCredentialResource() resource.Resource {
	return &identityOIDCCredentialResource{}
}

type identityOIDCCredentialResource struct {
	client *ory.Client
}

type identityOIDCCredentialModel struct {
	ID         types.String `tfsdk:"id"`
	IdentityID types.String `tfsdk:"identity_id"`
	ProviderID types.String `tfsdk:"provider_id"`
	Subject    types.String `tfsdk:"subject"`
}

// link is the OIDC link the model describes.
func (m *identityOIDCCredentialModel) link() ory.OIDCLink {
	return ory.OIDCLink{Provider: m.ProviderID.ValueString(), Subject: m.Subject.ValueString()}
}

// oidcCredentialID is the resource's id and import id.
func oidcCredentialID(identityID string, l ory.OIDCLink) string {
	return identityID + "/" + l.Provider + "/" + l.Subject
}

// parseOIDCCredentialID splits an import id into identity id and link. The
// subject is the rest after the second slash: subjects may hold slashes,
// identity and provider ids can not.
func parseOIDCCredentialID(id string) (string, ory.OIDCLink, error) {
	parts := strings.SplitN(id, "/", 3)
	if len(parts) != 3 || !isUUID(parts[0]) || parts[1] == "" || parts[2] == "" {
		return "", ory.OIDCLink{}, fmt.Errorf("%q is not <identity_id>/<provider_id>/<subject>", id)
	}
	return parts[0], ory.OIDCLink{Provider: parts[1], Subject: parts[2]}, nil
}

func (r *identityOIDCCredentialResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_oidc_credential"
}

func (r *identityOIDCCredentialResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Links an identity to a user of an OpenID Connect provider configured in Ory (social sign-in, SSO): " +
			"when that user signs in through the provider, Ory logs them in to this identity instead of registering a new one. " +
			"Creating the resource links, destroying it unlinks; nothing else of the identity changes. " +
			"Kratos v25.4.0 and later (Ory Network) refuse to unlink an identity's only way to log in: destroying the resource then only removes it from the state, with a warning, " +
			"and the link goes with the identity. " +
			"A link removed outside Terraform shows in `plan` and `apply` links again. " +
			"Ory allows one identity per subject: a subject already linked to another identity is an error that names it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<identity_id>/<provider_id>/<subject>`, the import id.",
				Computed:            true,
			},
			"identity_id": identityIDAttribute("The UUID of the identity to link. Changing it replaces the resource: the link moves to the new identity."),
			"provider_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the OIDC provider in Ory's configuration (`selfservice.methods.oidc.config.providers[].id` in Kratos, " +
					"the provider's id in the Ory Console), such as `google`. Ory does not check it when linking: a provider it does not have never logs anybody in. " +
					"Changing it replaces the resource.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.RegexMatches(noSlash, "must not contain a slash: Ory's provider ids are a path segment of its callback URL"),
				},
			},
			"subject": schema.StringAttribute{
				MarkdownDescription: "The user's subject at that provider, as Ory stores it: for most providers the `sub` claim of their ID token, " +
					"which never changes for a user (unlike their email). Changing it replaces the resource.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (r *identityOIDCCredentialResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// privateMovedFrom is the private-state key that carries, from the plan of a
// replacement to the plan of its create, the identity the same subject is
// moving away from.
const privateMovedFrom = "moved_from_identity"

// ModifyPlan checks a link to be made at plan time: the identity exists and
// no other identity holds the subject. A replacement is planned twice, with
// the prior state and then as a create without it: the first records where
// a moving subject comes from, and the second checks.
func (r *identityOIDCCredentialResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	var plan identityOIDCCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.IdentityID.IsUnknown() || plan.ProviderID.IsUnknown() || plan.Subject.IsUnknown() ||
		!isUUID(plan.IdentityID.ValueString()) {
		return
	}
	id, link := plan.IdentityID.ValueString(), plan.link()
	if !req.State.Raw.IsNull() {
		var state identityOIDCCredentialModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() || state.link() != link || state.IdentityID.Equal(plan.IdentityID) {
			return
		}
		// The old link is removed before the new one is made (destroy,
		// then create), so the subject's current identity is no conflict.
		setPrivateString(ctx, resp.Private, privateMovedFrom, state.IdentityID.ValueString(), &resp.Diagnostics)
		return
	}
	var previous string
	if req.Private != nil {
		var diags diag.Diagnostics
		previous, diags = privateString(ctx, req.Private, privateMovedFrom, "planned move of an OIDC link")
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
	}
	if _, err := r.client.GetIdentity(ctx, id); err != nil {
		resp.Diagnostics.Append(identityLookupError(path.Root("identity_id"), id, err))
		return
	}
	holder, err := r.client.OIDCLinkHolder(ctx, link)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Check OIDC Subject",
			fmt.Sprintf("Looking up which identity subject %q of OIDC provider %q is linked to failed: %s", link.Subject, link.Provider, ory.Reason(err)))
		return
	}
	if holder != "" && holder != id && holder != previous {
		resp.Diagnostics.Append(linkedElsewhereError(&ory.LinkedElsewhereError{Link: link, IdentityID: holder}))
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), oidcCredentialID(id, link))...)
}

func (r *identityOIDCCredentialResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan identityOIDCCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	id, link := plan.IdentityID.ValueString(), plan.link()
	err := r.client.LinkOIDC(ctx, id, link)
	var elsewhere *ory.LinkedElsewhereError
	switch {
	case errors.As(err, &elsewhere):
		resp.Diagnostics.Append(linkedElsewhereError(elsewhere))
		return
	case ory.IsNotFound(err):
		resp.Diagnostics.Append(identityLookupError(path.Root("identity_id"), id, err))
		return
	case err != nil:
		resp.Diagnostics.AddError("Unable to Link OIDC Subject",
			fmt.Sprintf("Linking identity %s to subject %q of OIDC provider %q failed: %s", id, link.Subject, link.Provider, ory.Reason(err)))
		return
	}
	plan.ID = types.StringValue(oidcCredentialID(id, link))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateMovedFrom, nil)...)
}

func (r *identityOIDCCredentialResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state identityOIDCCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	id, link := state.IdentityID.ValueString(), state.link()
	got, err := r.client.GetIdentity(ctx, id)
	if err != nil && !ory.IsNotFound(err) {
		resp.Diagnostics.AddError("Unable to Read OIDC Link",
			fmt.Sprintf("Reading the OIDC links of identity %s failed: %s", id, ory.Reason(err)))
		return
	}
	if err != nil || !got.HasOIDCLink(link) {
		tflog.Info(ctx, "OIDC link no longer exists; removing it from state",
			map[string]any{"identity_id": id, "identifier": link.Identifier(), "identity_exists": err == nil})
		resp.State.RemoveResource(ctx)
		return
	}
	state.ID = types.StringValue(oidcCredentialID(id, link))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only records the plan: every argument replaces the resource, so
// there is nothing to change in place.
func (r *identityOIDCCredentialResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan identityOIDCCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *identityOIDCCredentialResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state identityOIDCCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	id, link := state.IdentityID.ValueString(), state.link()
	err := r.client.UnlinkOIDC(ctx, id, link)
	if errors.Is(err, ory.ErrLastFirstFactor) {
		// Failing would block destroying the identity, which removes the
		// link too: it is destroyed after the link.
		resp.Diagnostics.Append(linkKeptWarning(id, link))
		return
	}
	if err != nil && !ory.IsNotFound(err) {
		resp.Diagnostics.AddError("Unable to Unlink OIDC Subject",
			fmt.Sprintf("Unlinking identity %s from subject %q of OIDC provider %q failed: %s", id, link.Subject, link.Provider, ory.Reason(err)))
	}
}

func (r *identityOIDCCredentialResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, link, err := parseOIDCCredentialID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("%s. Import an OIDC link by the identity's UUID, the provider id and the subject, separated by slashes, for example: "+
				"terraform import ory_identity_oidc_credential.admin 5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c/google/109876543210987654321", err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), oidcCredentialID(id, link))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("identity_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("provider_id"), link.Provider)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("subject"), link.Subject)...)
}

// linkedElsewhereError explains a subject that another identity holds.
func linkedElsewhereError(e *ory.LinkedElsewhereError) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(path.Root("subject"), "OIDC Subject Linked to Another Identity",
		fmt.Sprintf("Subject %q of OIDC provider %q is already linked to identity %s, and Ory links a subject to one identity only. "+
			"To manage that link, import it instead: terraform import <address> %s. "+
			"To link the subject to this identity, unlink it from identity %s first (destroy the resource that manages it, or remove it in the Ory Console or with the admin API: "+
			"DELETE /admin/identities/%s/credentials/oidc?identifier=%s).",
			e.Link.Subject, e.Link.Provider, e.IdentityID, oidcCredentialID(e.IdentityID, e.Link), e.IdentityID, e.IdentityID, e.Link.Identifier()))
}

// linkKeptWarning explains a link Ory would not remove: it is the identity's
// only way to log in (Kratos v25.4.0 and later, Ory Network).
func linkKeptWarning(identityID string, l ory.OIDCLink) diag.Diagnostic {
	return diag.NewWarningDiagnostic("OIDC Link Kept by Ory",
		fmt.Sprintf("Ory refused to unlink identity %s from subject %q of OIDC provider %q: it is the identity's only way to log in, which Kratos v25.4.0 and later keep. "+
			"Terraform no longer manages the link, but the subject can still log in to the identity until the identity is deleted, which removes the link too "+
			"(when the identity is destroyed in this run, nothing is left). "+
			"To remove only the link, give the identity another way to log in (such as an ory_identity_password), then import the link and destroy it: "+
			"terraform import <address> %s.",
			identityID, l.Subject, l.Provider, oidcCredentialID(identityID, l)))
}

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

var (
	_ resource.Resource                     = (*identityPasswordResource)(nil)
	_ resource.ResourceWithConfigure        = (*identityPasswordResource)(nil)
	_ resource.ResourceWithConfigValidators = (*identityPasswordResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*identityPasswordResource)(nil)
	_ resource.ResourceWithImportState      = (*identityPasswordResource)(nil)
	_ resource.ResourceWithIdentity         = (*identityPasswordResource)(nil)
)

// privateAppliedFingerprint is the private-state key holding the fingerprint
// of the credential this resource last set. The state's
// credential_fingerprint is what Ory stores now; when they differ, someone
// else changed the password.
const privateAppliedFingerprint = "applied_fingerprint"

// What to do with a password changed outside Terraform (on_change_outside).
const (
	// onChangeRestore plans an update that sets the configured password again.
	onChangeRestore = "restore"
	// onChangeKeep warns once and keeps it: for people who choose their own.
	onChangeKeep = "keep"
)

var onChangeOutsideValues = []string{onChangeRestore, onChangeKeep}

// NewIdentityPasswordResource returns the ory_identity_password resource.
func NewIdentityPasswordResource() resource.Resource {
	return &identityPasswordResource{}
}

type identityPasswordResource struct {
	client *ory.Client
}

type identityPasswordModel struct {
	ID                    types.String `tfsdk:"id"`
	IdentityID            types.String `tfsdk:"identity_id"`
	PasswordWO            types.String `tfsdk:"password_wo"`
	PasswordWOVersion     types.Int64  `tfsdk:"password_wo_version"`
	Password              types.String `tfsdk:"password"`
	HashedPassword        types.String `tfsdk:"hashed_password"`
	CredentialFingerprint types.String `tfsdk:"credential_fingerprint"`
	RevokeSessions        types.Bool   `tfsdk:"revoke_sessions"`
	OnChangeOutside       types.String `tfsdk:"on_change_outside"`
}

func (r *identityPasswordResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_password"
}

func (r *identityPasswordResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The password credential of an identity. Setting it changes nothing else of the identity. " +
			"A password changed outside Terraform (a recovery, an admin tool) shows in `plan`, and `apply` sets the configured one again; " +
			"with `on_change_outside = \"keep\"` it is an initial password instead, which the person may change. " +
			"Destroying it deletes the password credential where Ory allows it (Kratos v25.4.0 and later, Ory Network, unless the password is the identity's only way to log in); " +
			"otherwise it replaces the password with a random secret nobody holds, so that the password stops working.",
		Attributes: map[string]schema.Attribute{
			"id":          idAsIdentityIDAttribute(),
			"identity_id": identityIDAttribute("The UUID of the identity whose password this is. Changing it replaces the resource."),
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "The password, write-only: Terraform sends it and never stores it in state or plan. " +
					"Needs Terraform 1.11 or OpenTofu 1.11 and later. Give `password_wo_version` with it and change that to set a new password.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Any number; change it to send `password_wo` again (rotation). Terraform can not see changes of a write-only value by itself.",
				Optional:            true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The password, for Terraform older than 1.11. It is stored in the state, in clear text (sensitive, so hidden in plan output). Prefer `password_wo`.",
				Optional:            true,
				Sensitive:           true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"hashed_password": schema.StringAttribute{
				MarkdownDescription: "An existing password hash to import, so that the user keeps their password: one of " + quote.Join(ory.HashFormatNames(), quote.Code, ", ") +
					" in the format Ory documents for importing credentials (for example `$2a$10$...` for bcrypt or `$argon2id$v=19$...` for argon2id). Stored in the state.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{hashFormatValidator{}},
			},
			"revoke_sessions": schema.BoolAttribute{
				MarkdownDescription: "Whether every session of the identity ends each time this resource sets the password: at creation, at a rotation (`password_wo_version` or `password` changed) and when `apply` restores a password changed outside Terraform. " +
					"Defaults to `false`. Turn it on for a password that leaked, or for shared break-glass accounts, so that whoever logged in with the old password is logged out; " +
					"leave it off for service accounts whose running sessions should survive a routine rotation. Changing only this attribute sets no password and ends no session.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"on_change_outside": schema.StringAttribute{
				MarkdownDescription: "What a password changed outside Terraform (by its user in their settings, by a recovery, by an admin tool) leads to: one of " + quote.Join(onChangeOutsideValues, quote.Code, ", ") + ". " +
					"`restore` (the default) shows it in `plan` as an update, and `apply` sets the configured password again: for service and break-glass accounts, whose password is the configured one. " +
					"`keep` makes the configured password an initial one, for accounts people use themselves: it is set at creation and when `password_wo_version`, `password` or `hashed_password` changes; " +
					"a change outside Terraform is reported once, as a warning at the next refresh, and is kept, never reverted, and `plan` stays clean. " +
					"Changing only this attribute sets no password.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(onChangeRestore),
				Validators: []validator.String{stringvalidator.OneOf(onChangeOutsideValues...)},
			},
			"credential_fingerprint": schema.StringAttribute{
				MarkdownDescription: "A SHA-256 fingerprint of the password hash Ory stores. It reveals nothing about the password; it changes when the stored credential changes, which is how a password changed outside Terraform is detected. " +
					"With `on_change_outside = \"keep\"` it follows the stored credential without planning an update.",
				Computed: true,
			},
		},
	}
}

// IdentitySchema makes the identity's UUID the resource identity, under the
// name of the attribute that holds it: identity = { identity_id = ... }.
func (r *identityPasswordResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = stringIdentitySchema("identity_id", "The UUID of the identity whose password this is.")
}

func (r *identityPasswordResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("password_wo"), path.MatchRoot("password"), path.MatchRoot("hashed_password")),
		resourcevalidator.RequiredTogether(path.MatchRoot("password_wo"), path.MatchRoot("password_wo_version")),
		resourcevalidator.PreferWriteOnlyAttribute(path.MatchRoot("password"), path.MatchRoot("password_wo")),
	}
}

func (r *identityPasswordResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks at plan time that the identity exists, and plans an
// update when the stored credential is no longer the one this resource set.
func (r *identityPasswordResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	// Only the attributes needed are read: this runs for every password in
	// every plan.
	if req.State.Raw.IsNull() {
		planIdentityExists(ctx, r.client, req.Plan, &resp.Diagnostics)
		return
	}

	var stored, identityID, mode types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("credential_fingerprint"), &stored)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("identity_id"), &identityID)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("on_change_outside"), &mode)...)
	applied, diags := appliedFingerprint(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	changes := passwordChanges(ctx, req, &resp.Diagnostics)
	drifted := !stored.Equal(types.StringValue(applied))
	switch {
	case changes:
		if drifted && applied != "" {
			resp.Diagnostics.Append(changedOutsideWarning(identityID.ValueString(), "Applying sets the configured password, as its configuration changed."))
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("credential_fingerprint"), types.StringUnknown())...)
	case !drifted || mode.ValueString() == onChangeKeep:
		// Nothing to send (only revoke_sessions changed, say, or a change
		// outside Terraform is kept): the stored credential stays. Read
		// already reported a change kept in keep mode; this one comes with
		// a switch to keep (or an import), which Update records.
		if drifted && applied != "" {
			resp.Diagnostics.Append(changedOutsideWarning(identityID.ValueString(), "It is kept (on_change_outside = \"keep\"): Terraform records it as the current password and does not set the configured one."))
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("credential_fingerprint"), stored)...)
	default:
		if applied != "" {
			resp.Diagnostics.Append(changedOutsideWarning(identityID.ValueString(), "Applying sets the configured password again (on_change_outside = \"restore\")."))
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("credential_fingerprint"), types.StringUnknown())...)
	}
}

// changedOutsideWarning reports a password credential that is not the one
// Terraform set, and what happens next.
func changedOutsideWarning(identityID, next string) diag.Diagnostic {
	return diag.NewWarningDiagnostic("Password Changed Outside Terraform",
		fmt.Sprintf("The password credential of identity %s is not the one Terraform set: it was changed outside Terraform (a recovery, a settings flow, an admin tool) or re-hashed by Ory after a login. %s",
			identityID, next))
}

func (r *identityPasswordResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, cfg identityPasswordModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	r.sendPassword(ctx, plan, cfg, "Unable to Set Password", &resp.State, resp.Identity, resp.Private, &resp.Diagnostics)
}

func (r *identityPasswordResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state identityPasswordModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	fp, err := r.client.PasswordFingerprint(ctx, state.IdentityID.ValueString())
	if ory.IsNotFound(err) {
		tflog.Info(ctx, "identity no longer exists; removing its password from state", map[string]any{"identity_id": state.IdentityID.ValueString()})
		// The framework wants an identity even then (see identityResource.Read).
		setIdentity(ctx, resp.Identity, "identity_id", state.IdentityID.ValueString(), &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Password",
			fmt.Sprintf("Reading the password credential of identity %s failed: %s", state.IdentityID.ValueString(), ory.Reason(err)))
		return
	}
	state.ID = state.IdentityID
	state.CredentialFingerprint = types.StringValue(fp)
	if state.OnChangeOutside.IsNull() {
		// A state from before the attribute: its behaviour, without a diff.
		state.OnChangeOutside = types.StringValue(onChangeRestore)
	}
	if state.OnChangeOutside.ValueString() == onChangeKeep {
		r.keepChangedOutside(ctx, state, req.Private, resp.Private, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, "identity_id", state.IdentityID.ValueString(), &resp.Diagnostics)
}

// keepChangedOutside reports a password changed outside Terraform once and
// records it as the applied one. The record lives in private state, which
// Terraform saves with the refreshed state at the next apply (or
// apply -refresh-only): plans before that report it again.
func (r *identityPasswordResource) keepChangedOutside(ctx context.Context, state identityPasswordModel, prior privateGetter, private privateSetter, diags *diag.Diagnostics) {
	applied, d := appliedFingerprint(ctx, prior)
	diags.Append(d...)
	fp := state.CredentialFingerprint.ValueString()
	if diags.HasError() || fp == applied {
		return
	}
	if applied != "" {
		diags.Append(changedOutsideWarning(state.IdentityID.ValueString(),
			"It is kept (on_change_outside = \"keep\"): nothing is planned, and this warning is not repeated once an apply has recorded it. To set the configured password again, change password_wo_version (or password)."))
	}
	recordApplied(ctx, fp, private, diags)
}

func (r *identityPasswordResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, cfg identityPasswordModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	if !plan.CredentialFingerprint.IsUnknown() {
		// ModifyPlan found no password to send. In restore mode the stored
		// credential is the applied one already; in keep mode it becomes so.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		recordApplied(ctx, plan.CredentialFingerprint.ValueString(), resp.Private, &resp.Diagnostics)
		setIdentity(ctx, resp.Identity, "identity_id", plan.IdentityID.ValueString(), &resp.Diagnostics)
		return
	}
	r.sendPassword(ctx, plan, cfg, "Unable to Update Password", &resp.State, resp.Identity, resp.Private, &resp.Diagnostics)
}

// passwordChanges reports whether the plan changes what sets the password:
// the password, the hash or the version of the write-only password.
func passwordChanges(ctx context.Context, req resource.ModifyPlanRequest, diags *diag.Diagnostics) bool {
	var plan, prior identityPasswordModel
	diags.Append(req.Plan.Get(ctx, &plan)...)
	diags.Append(req.State.Get(ctx, &prior)...)
	if diags.HasError() {
		return true
	}
	if prior.Password.IsNull() && prior.HashedPassword.IsNull() && prior.PasswordWOVersion.IsNull() {
		// Imported, nothing set yet: restore sets the configured password,
		// keep adopts the one the identity has.
		return plan.OnChangeOutside.ValueString() != onChangeKeep
	}
	return !plan.Password.Equal(prior.Password) || !plan.HashedPassword.Equal(prior.HashedPassword) ||
		!plan.PasswordWOVersion.Equal(prior.PasswordWOVersion)
}

func (r *identityPasswordResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state identityPasswordModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	// Kratos before v25.4.0 deletes no password, and later releases keep
	// an identity's only way to log in: then the password is replaced with
	// a secret nobody holds, so that the managed password stops working.
	id := state.IdentityID.ValueString()
	deleted, err := r.client.RemovePassword(ctx, id)
	if err != nil && !ory.IsNotFound(err) {
		resp.Diagnostics.AddError("Unable to Delete Password",
			fmt.Sprintf("Removing the password of identity %s failed: %s", id, ory.Reason(err)))
		return
	}
	tflog.Info(ctx, "password removed", map[string]any{"identity_id": id, "deleted": deleted, "replaced_with_random_secret": !deleted && err == nil})
}

// ImportState takes the identity's UUID, as the import id or as the import
// block's identity = { identity_id = ... }.
func (r *identityPasswordResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := importedID(ctx, req, "identity_id", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !isUUID(id) {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("%q is not an identity id. Import a password by the UUID of its identity, for example: terraform import ory_identity_password.admin 5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c", id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("identity_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	// Its default: import ends no session.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("revoke_sessions"), false)...)
	// Its default too. With keep in the configuration, the next apply
	// records the imported password as the current one and sets none.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("on_change_outside"), onChangeRestore)...)
	setIdentity(ctx, resp.Identity, "identity_id", id, &resp.Diagnostics)
}

// stateSetter is what Create and Update responses have in common.
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// sendPassword sends the configured password and records what Ory stored.
func (r *identityPasswordResource) sendPassword(ctx context.Context, plan, cfg identityPasswordModel, summary string, state stateSetter, identity *tfsdk.ResourceIdentity, private privateSetter, diags *diag.Diagnostics) {
	id := plan.IdentityID.ValueString()
	var in ory.PasswordInput
	switch {
	case !cfg.PasswordWO.IsNull():
		in.Password = cfg.PasswordWO.ValueString()
	case !plan.Password.IsNull():
		in.Password = plan.Password.ValueString()
	default:
		in.HashedPassword = plan.HashedPassword.ValueString()
	}
	fp, err := r.client.SetPassword(ctx, id, in)
	if err != nil {
		if ory.IsNotFound(err) {
			diags.Append(identityLookupError(path.Root("identity_id"), id, err))
			return
		}
		detail := fmt.Sprintf("Setting the password of identity %s failed: %s", id, ory.Reason(err))
		if errors.Is(err, ory.ErrBadRequest) && in.HashedPassword != "" {
			detail += ". Check that hashed_password is a complete hash in a format Ory imports."
		}
		diags.AddError(summary, detail)
		return
	}
	plan.ID = plan.IdentityID
	plan.PasswordWO = types.StringNull()
	plan.CredentialFingerprint = types.StringValue(fp)
	diags.Append(state.Set(ctx, &plan)...)
	recordApplied(ctx, fp, private, diags)
	setIdentity(ctx, identity, "identity_id", id, diags)
	if plan.RevokeSessions.ValueBool() {
		if err := r.client.RevokeSessions(ctx, id); err != nil {
			diags.AddError(summary, fmt.Sprintf("The password of identity %s was set, but ending its sessions (revoke_sessions) failed: %s. "+
				"Sessions opened with the old password may still work: end them with the admin API (DELETE /admin/identities/%s/sessions) or the Ory Console.", id, ory.Reason(err), id))
		}
	}
}

// recordApplied keeps fp as the fingerprint of the credential Terraform set.
func recordApplied(ctx context.Context, fp string, private privateSetter, diags *diag.Diagnostics) {
	setPrivateString(ctx, private, privateAppliedFingerprint, fp, diags)
}

// appliedFingerprint returns the fingerprint this resource last set, or ""
// (after an import, or in a state from before it was recorded).
func appliedFingerprint(ctx context.Context, private privateGetter) (string, diag.Diagnostics) {
	return privateString(ctx, private, privateAppliedFingerprint, "password fingerprint")
}

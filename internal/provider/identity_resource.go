package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

var (
	_ resource.Resource                   = (*identityResource)(nil)
	_ resource.ResourceWithConfigure      = (*identityResource)(nil)
	_ resource.ResourceWithImportState    = (*identityResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*identityResource)(nil)
	_ resource.ResourceWithValidateConfig = (*identityResource)(nil)
	_ resource.ResourceWithIdentity       = (*identityResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*identityResource)(nil)
	_ resource.ResourceWithMoveState      = (*identityResource)(nil)
)

// NewIdentityResource returns the ory_identity resource.
func NewIdentityResource() resource.Resource {
	return &identityResource{}
}

type identityResource struct {
	client *ory.Client
	// schemaWarned is shared by every ory_identity of a run (providerData).
	schemaWarned *atomic.Bool
}

type identityResourceModel struct {
	ID                  types.String         `tfsdk:"id"`
	SchemaID            types.String         `tfsdk:"schema_id"`
	Traits              jsontypes.Normalized `tfsdk:"traits"`
	State               types.String         `tfsdk:"state"`
	MetadataPublic      jsontypes.Normalized `tfsdk:"metadata_public"`
	MetadataAdmin       jsontypes.Normalized `tfsdk:"metadata_admin"`
	VerifiedAddresses   types.Set            `tfsdk:"verified_addresses"`
	VerifiableAddresses types.List           `tfsdk:"verifiable_addresses"`
	RecoveryAddresses   types.List           `tfsdk:"recovery_addresses"`
	Identifiers         types.Set            `tfsdk:"identifiers"`
	ExternalID          types.String         `tfsdk:"external_id"`
	OrganizationID      types.String         `tfsdk:"organization_id"`
}

const identifiersDescription = "The login identifiers: the values that sign in with a password, a one-time code or a security key, " +
	"as Ory stores them (emails and usernames lower-cased; a phone number that receives codes by SMS in E.164 form, such as `+14155552671`). " +
	"Derived from the traits by the identity schema, and known at plan time."

func (r *identityResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

func (r *identityResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: identitySchemaVersion,
		MarkdownDescription: "An Ory identity: its traits, identity schema, state, metadata and which of its addresses are verified. " +
			"It manages no credentials: the password is `ory_identity_password`'s, an SSO link `ory_identity_oidc_credential`'s, and `ory_identity_second_factor_reset` removes second factors.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The identity's UUID, chosen by Ory. It never changes.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"schema_id": schema.StringAttribute{
				MarkdownDescription: "The identity schema the traits are validated against, such as `default` or `preset://email`. Changes in place.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"traits": schema.StringAttribute{
				MarkdownDescription: "The traits, a JSON object that the identity schema validates, usually written with `jsonencode()`. " +
					"Compared by meaning: key order and white space never show a difference.",
				CustomType: jsontypes.NormalizedType{},
				Required:   true,
				Validators: []validator.String{jsonObjectValidator{}},
			},
			"state": schema.StringAttribute{
				MarkdownDescription: "Whether the identity may sign in: one of " + quote.Join(ory.States, quote.Code, ", ") + ". Defaults to `active`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(ory.StateActive),
				Validators:          []validator.String{stringvalidator.OneOf(ory.States...)},
			},
			"metadata_public": schema.StringAttribute{
				MarkdownDescription: "Metadata the identity itself can read (for example through its session), a JSON object. Do not store secrets here.",
				CustomType:          jsontypes.NormalizedType{},
				Optional:            true,
				Validators:          []validator.String{jsonObjectValidator{}},
			},
			"metadata_admin": schema.StringAttribute{
				MarkdownDescription: "Metadata only the admin API can read, a JSON object. Not marked sensitive, so that `plan` shows what changes in it for review; " +
					"like every attribute it is stored in the state. Keep secrets out of it; to hide a value in plan output all the same, wrap it: `sensitive(jsonencode({...}))`. " +
					"(The official Ory provider marks it sensitive, which hides every change and makes each output that reads it need `sensitive = true`.)",
				CustomType: jsontypes.NormalizedType{},
				Optional:   true,
				Validators: []validator.String{jsonObjectValidator{}},
			},
			"external_id": schema.StringAttribute{
				MarkdownDescription: "An id of your own for the identity, unique in the project: the key that ties it to a record elsewhere (an HR or directory system). " +
					"Changed in place; a change outside Terraform shows in `plan` while it is set here. When not set, it reports what Ory holds and changes nothing. " +
					"Import by it with the import id `external_id:<value>`. " +
					"Needs Ory Network or Kratos v25.4.0 and later: against an older Kratos, setting it fails at plan.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "The UUID of the Ory organization (B2B) the identity belongs to. Ory sets it at creation only, so changing it replaces the identity. " +
					"When not set, it reports what Ory holds and changes nothing. " +
					"Needs Ory Network or Kratos v25.4.0 and later: against an older Kratos, setting it fails at plan.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{uuidValidator{}},
			},
			"verified_addresses": schema.SetAttribute{
				MarkdownDescription: "The addresses (emails, phone numbers) that are verified. When set, it is authoritative: the listed addresses are marked verified and the identity's other verifiable addresses unverified. " +
					"Each must be a verifiable address of the identity: a trait value that the identity schema marks for verification. When not set, it reports the verified addresses and changes nothing.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Validators:  []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"verifiable_addresses": schema.ListNestedAttribute{
				MarkdownDescription: "The addresses Ory derived from the traits and the schema that can be verified, sorted by value.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: addressResourceAttributes(verifiableAddressFields)},
			},
			"recovery_addresses": schema.ListNestedAttribute{
				MarkdownDescription: "The addresses Ory derived from the traits and the schema that can recover the account, sorted by value.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: addressResourceAttributes(recoveryAddressFields)},
			},
			"identifiers": schema.SetAttribute{
				MarkdownDescription: identifiersDescription,
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

// IdentitySchema makes the UUID the resource identity: what Terraform tracks
// the identity by, what list "ory_identity" returns, and what an import
// block's identity = { id = ... } names.
func (r *identityResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = stringIdentitySchema("id", "The identity's UUID.")
}

func (r *identityResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := providerDataFrom(req.ProviderData, &resp.Diagnostics); d != nil {
		r.client, r.schemaWarned = d.client, d.schemaWarned
	}
}

// ValidateConfig rejects, at plan time, verified addresses that no trait holds.
func (r *identityResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg identityResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.Traits.IsUnknown() || cfg.Traits.IsNull() || cfg.VerifiedAddresses.IsUnknown() || cfg.VerifiedAddresses.IsNull() {
		return
	}
	traits, err := decodeJSON(cfg.Traits.ValueString())
	if err != nil {
		return // reported by the traits attribute itself
	}
	values := traitStrings(traits)
	for _, el := range cfg.VerifiedAddresses.Elements() {
		s, ok := el.(types.String)
		if !ok || s.IsUnknown() || s.IsNull() {
			continue
		}
		if !containsAddress(values, s.ValueString()) {
			resp.Diagnostics.AddAttributeError(path.Root("verified_addresses"), "Address Not in Traits",
				fmt.Sprintf("verified_addresses lists %q, but no trait holds that value. List only addresses that appear in traits (and that the identity schema marks for verification), or add the address to traits.", s.ValueString()))
		}
	}
}

func (r *identityResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan identityResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	in, diags := plan.toInput()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := r.client.CreateIdentityVerified(ctx, in, wantedVerification(plan.VerifiedAddresses))
	if got != nil {
		// Kept in state even after a failure, so that the next apply finishes
		// or replaces it instead of orphaning it.
		r.setState(ctx, got, &plan, &resp.State, resp.Identity, &resp.Diagnostics)
	}
	if err != nil {
		r.reportWriteError(ctx, err, in, createOutcome, &resp.Diagnostics)
		return
	}
	tflog.Debug(ctx, "created identity", map[string]any{"id": got.ID})
}

func (r *identityResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var prior identityResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	got, err := r.client.GetIdentity(ctx, prior.ID.ValueString())
	if ory.IsNotFound(err) {
		tflog.Info(ctx, "identity no longer exists; removing it from state", map[string]any{"id": prior.ID.ValueString()})
		// The framework wants an identity even then, and a CLI before 1.12
		// keeps none to send back.
		setIdentity(ctx, resp.Identity, "id", prior.ID.ValueString(), &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Identity",
			fmt.Sprintf("Reading identity %s failed: %s", prior.ID.ValueString(), ory.Reason(err)))
		return
	}
	r.setState(ctx, got, &prior, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *identityResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior identityResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	id := prior.ID.ValueString()
	in, diags := plan.toInput()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	got, err := r.client.UpdateIdentityVerified(ctx, id, in, wantedVerification(plan.VerifiedAddresses))
	var verification *ory.VerificationError
	if got != nil {
		spelling := &plan
		if err != nil && !errors.As(err, &verification) {
			spelling = &prior // the identity holds what it held before
		}
		r.setState(ctx, got, spelling, &resp.State, resp.Identity, &resp.Diagnostics)
	}
	if err != nil {
		r.reportWriteError(ctx, err, in, updateOutcome, &resp.Diagnostics)
		return
	}
	r.endSessionsIfDeactivated(ctx, id, prior, plan, &resp.Diagnostics)
}

// endSessionsIfDeactivated revokes every session of an identity this apply
// made inactive: Ory refuses an inactive identity's sessions but keeps
// them, and they would work again if it were made active.
func (r *identityResource) endSessionsIfDeactivated(ctx context.Context, id string, prior, plan identityResourceModel, diags *diag.Diagnostics) {
	if plan.State.ValueString() != ory.StateInactive || prior.State.ValueString() == ory.StateInactive {
		return
	}
	if err := r.client.RevokeSessions(ctx, id); err != nil {
		diags.AddError("Unable to End Sessions",
			fmt.Sprintf("Identity %s is now inactive, so Ory refuses its sessions, but ending them failed: %s. "+
				"They would work again if the identity were made active: end them with the admin API (DELETE /admin/identities/%s/sessions) or the Ory Console.", id, ory.Reason(err), id))
	}
}

func (r *identityResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state identityResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	err := r.client.DeleteIdentity(ctx, state.ID.ValueString())
	if err != nil && !ory.IsNotFound(err) {
		resp.Diagnostics.AddError("Unable to Delete Identity",
			fmt.Sprintf("Deleting identity %s failed: %s", state.ID.ValueString(), ory.Reason(err)))
	}
}

// ImportState takes the identity's UUID, one of its login identifiers
// (email, phone number, username), which must name exactly one identity, or
// external_id:<its external_id>; an import block's identity = { id = ... }
// takes the UUID only.
func (r *identityResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := importedID(ctx, req, "id", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if isUUID(id) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
		setIdentity(ctx, resp.Identity, "id", id, &resp.Diagnostics)
		return
	}
	if req.ID == "" {
		resp.Diagnostics.AddError("Invalid Import Identity",
			fmt.Sprintf("identity.id is %q, not a UUID. The resource identity is the identity's UUID; to import by a login identifier, write it as the import block's id instead: id = %q.", id, id))
		return
	}
	if strings.TrimSpace(req.ID) == "" {
		resp.Diagnostics.AddError("Invalid Import ID",
			"The import id is empty. Import an identity by its UUID or by a login identifier, for example: terraform import ory_identity.admin admin@example.com")
		return
	}
	if !configured(r.client, &resp.Diagnostics) {
		return
	}
	if ext, ok := strings.CutPrefix(req.ID, importExternalIDPrefix); ok {
		r.importByExternalID(ctx, ext, resp)
		return
	}
	found, err := r.client.FindByIdentifier(ctx, req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Import Identity",
			fmt.Sprintf("Looking up the identity with login identifier %q failed: %s", req.ID, ory.Reason(err)))
		return
	}
	if len(found) != 1 {
		_, detail := identifierMatchProblem(req.ID, found)
		resp.Diagnostics.AddError("Unable to Import Identity", detail+" To import by UUID: terraform import ory_identity.<name> <uuid>, or an import block with id = \"<uuid>\".")
		return
	}
	tflog.Debug(ctx, "import: login identifier names one identity", map[string]any{"id": found[0].ID})
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), found[0].ID)...)
	setIdentity(ctx, resp.Identity, "id", found[0].ID, &resp.Diagnostics)
}

// importExternalIDPrefix marks an import id that is an external_id: an
// external id may look like anything, a login identifier included.
const importExternalIDPrefix = "external_id:"

func (r *identityResource) importByExternalID(ctx context.Context, externalID string, resp *resource.ImportStateResponse) {
	found, err := r.client.FindByExternalID(ctx, externalID)
	if err != nil {
		_, detail := externalIDLookupProblem(externalID, err)
		resp.Diagnostics.AddError("Unable to Import Identity", detail)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), found.ID)...)
	setIdentity(ctx, resp.Identity, "id", found.ID, &resp.Diagnostics)
}

// writeOutcome says, for Create or Update, what a failed write left.
type writeOutcome struct {
	// summary names the operation.
	summary string
	// unchanged ends the detail when nothing was written.
	unchanged string
	// undoFailed ends it when undoing the write failed (%s: identity id, reason).
	undoFailed string
}

var (
	createOutcome = writeOutcome{
		summary:    "Unable to Create Identity",
		unchanged:  " Nothing was created.",
		undoFailed: " Removing identity %s again also failed (%s); it is kept in state and the next apply replaces it.",
	}
	updateOutcome = writeOutcome{
		summary:    "Unable to Update Identity",
		unchanged:  " The identity was left as it was.",
		undoFailed: " Putting the previous traits of identity %s back also failed (%s); run terraform apply again after fixing the configuration.",
	}
)

// reportWriteError reports a failed create or update. Create and Update
// share it, so that the same failure reads the same from both.
func (r *identityResource) reportWriteError(ctx context.Context, err error, in ory.IdentityInput, o writeOutcome, diags *diag.Diagnostics) {
	var (
		undo          *ory.UndoError
		notVerifiable *ory.NotVerifiableError
		verification  *ory.VerificationError
		read          *ory.ReadError
	)
	switch {
	case errors.As(err, &undo) && errors.As(undo.Cause, &notVerifiable):
		diags.AddError(o.summary, notVerifiableDetail(notVerifiable.Addresses, notVerifiable.SchemaID)+fmt.Sprintf(o.undoFailed, undo.ID, ory.Reason(undo.Err)))
	case errors.As(err, &verification):
		diags.AddError("Unable to Set Verified Addresses",
			fmt.Sprintf("Identity %s was written, but setting which addresses are verified failed: %s. It is kept in state; run apply again to finish.", verification.ID, ory.Reason(verification.Err)))
	case errors.As(err, &notVerifiable):
		diags.AddAttributeError(path.Root("verified_addresses"), o.summary, notVerifiableDetail(notVerifiable.Addresses, notVerifiable.SchemaID)+o.unchanged)
	case errors.As(err, &read):
		diags.AddError(o.summary, fmt.Sprintf("Reading identity %s failed: %s", read.ID, ory.Reason(read.Err)))
	default:
		diags.AddError(o.summary, r.describeWriteError(ctx, err, in))
	}
}

// describeWriteError explains a failed create or update: it names the
// identity that already holds an identifier on a conflict, and says what to
// do when the outcome of a create stayed unknown.
func (r *identityResource) describeWriteError(ctx context.Context, err error, in ory.IdentityInput) string {
	reason := ory.Reason(err)
	var noIdentifier *ory.NoIdentifierError
	switch {
	case errors.As(err, &noIdentifier):
		return fmt.Sprintf("The answer to the create was lost (%s), and identity schema %q gives these traits no login identifier, "+
			"so the provider can not tell whether the identity was created. Look for an identity with traits %s (ory list identities, or the Ory Console): "+
			"if it exists, import it (an import block with its id, or terraform import <resource address> <id>); otherwise run apply again.",
			reason, noIdentifier.SchemaID, encodeJSON(noIdentifier.Traits))
	case errors.Is(err, ory.ErrConflict):
		if in.ExternalID != nil {
			if holder, ferr := r.client.FindByExternalID(ctx, *in.ExternalID); ferr == nil {
				return fmt.Sprintf("Another identity, %s, already has the external_id %q (%s): Ory keeps external ids unique. "+
					"To manage that identity with Terraform, import it: terraform import <resource address> %s. Otherwise choose another value.",
					holder.ID, *in.ExternalID, reason, holder.ID)
			}
		}
		for _, v := range traitStrings(in.Traits) {
			found, ferr := r.client.FindByIdentifier(ctx, v)
			if ferr != nil || len(found) == 0 {
				continue
			}
			return fmt.Sprintf("Another identity, %s, already uses the identifier %q (%s). "+
				"To manage that identity with Terraform, import it: terraform import <resource address> %s, or an import block with id = %q. "+
				"Otherwise choose another value.", found[0].ID, v, reason, found[0].ID, found[0].ID)
		}
		return "An identity with one of these identifiers already exists: " + reason
	case errors.Is(err, ory.ErrOutcomeUnknown):
		return "The Ory API did not answer, and the provider could not find out whether the change took effect: " + reason +
			". Nothing is recorded in state for it. Run apply again once the API answers: the provider looks the identity up before it creates anything again."
	case errors.Is(err, ory.ErrBadRequest):
		return "The API refused the identity: " + reason + ". Check schema_id and that traits satisfy that identity schema."
	default:
		return reason
	}
}

// wantedVerification is the verification verified_addresses asks for:
// exactly the listed addresses when set, none managed when not.
func wantedVerification(verified types.Set) ory.Verification {
	if verified.IsNull() || verified.IsUnknown() {
		return ory.Verification{}
	}
	return ory.Verification{Managed: true, Addresses: stringsOf(verified)}
}

// setState records i in state; prior keeps the user's spelling of addresses.
// The resource identity is set with it.
func (r *identityResource) setState(ctx context.Context, i *ory.Identity, prior *identityResourceModel, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	m, d := identityFromAPI(ctx, i, prior)
	diags.Append(d...)
	diags.Append(state.Set(ctx, &m)...)
	setIdentity(ctx, identity, "id", i.ID, diags)
}

// toInput maps the planned model to what the API takes.
func (m identityResourceModel) toInput() (ory.IdentityInput, diag.Diagnostics) {
	var diags diag.Diagnostics
	in := ory.IdentityInput{SchemaID: m.SchemaID.ValueString(), State: m.State.ValueString()}
	traits, err := decodeJSON(m.Traits.ValueString())
	obj, ok := traits.(map[string]any)
	if err != nil || !ok {
		diags.AddAttributeError(path.Root("traits"), "Invalid Traits", "traits must be a JSON object.")
		return in, diags
	}
	in.Traits = obj
	in.ExternalID = knownStringPointer(m.ExternalID)
	in.OrganizationID = knownStringPointer(m.OrganizationID)
	for _, f := range []struct {
		name  string
		value jsontypes.Normalized
		dst   *any
	}{
		{"metadata_public", m.MetadataPublic, &in.MetadataPublic},
		{"metadata_admin", m.MetadataAdmin, &in.MetadataAdmin},
	} {
		if f.value.IsNull() || f.value.IsUnknown() {
			continue
		}
		v, err := decodeJSON(f.value.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root(f.name), "Invalid JSON", f.name+" must be a JSON object: "+err.Error())
			continue
		}
		*f.dst = v
	}
	return in, diags
}

// identityFromAPI maps an identity to the model. prior (plan or state) keeps
// the user's spelling of verified addresses that Ory stores in lower case.
func identityFromAPI(_ context.Context, i *ory.Identity, prior *identityResourceModel) (identityResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m := identityResourceModel{
		ID:       types.StringValue(i.ID),
		SchemaID: types.StringValue(i.SchemaID),
		State:    types.StringValue(i.State),
	}
	m.Traits = jsontypes.NewNormalizedValue(encodeJSON(i.Traits))
	m.MetadataPublic = jsonOrNull(i.MetadataPublic)
	m.MetadataAdmin = jsonOrNull(i.MetadataAdmin)
	m.ExternalID = nonEmptyString(i.ExternalID)
	m.OrganizationID = nonEmptyString(i.OrganizationID)

	m.VerifiedAddresses = respell(i.VerifiedValues(), prior)
	va := make([]verifiableAddressModel, 0, len(i.VerifiableAddresses))
	for _, a := range i.VerifiableAddresses {
		va = append(va, verifiableAddressModel{Value: a.Value, Via: a.Via, Verified: a.Verified, Status: a.Status})
	}
	// In the order of ory.Derived's lists: by value, then channel.
	slices.SortFunc(va, func(a, b verifiableAddressModel) int {
		return cmp.Or(strings.Compare(a.Value, b.Value), strings.Compare(a.Via, b.Via))
	})
	m.VerifiableAddresses = verifiableAddressList(va, &diags)
	ra := slices.Clone(i.RecoveryAddresses)
	slices.SortFunc(ra, func(a, b ory.Address) int {
		return cmp.Or(strings.Compare(a.Value, b.Value), strings.Compare(a.Via, b.Via))
	})
	m.RecoveryAddresses = recoveryAddressList(ra, &diags)
	m.Identifiers = stringSet(i.Identifiers)
	return m, diags
}

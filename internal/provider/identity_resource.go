package provider

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
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
}

var (
	verifiableAddressType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"value":    types.StringType,
		"via":      types.StringType,
		"verified": types.BoolType,
		"status":   types.StringType,
	}}
	recoveryAddressType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"value": types.StringType,
		"via":   types.StringType,
	}}
)

func (r *identityResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

func (r *identityResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: identitySchemaVersion,
		MarkdownDescription: "An Ory identity: its traits, identity schema, state, metadata and which of its addresses are verified. " +
			"Credentials are managed by `ory_identity_password`.",
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
				MarkdownDescription: "Whether the identity may sign in: one of " + quotedList(ory.States) + ". Defaults to `active`.",
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
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"value":    schema.StringAttribute{Computed: true, MarkdownDescription: "The address."},
					"via":      schema.StringAttribute{Computed: true, MarkdownDescription: "How it is verified: `email` or `sms`."},
					"verified": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether it is verified."},
					"status":   schema.StringAttribute{Computed: true, MarkdownDescription: "The verification status, such as `pending` or `completed`."},
				}},
			},
			"recovery_addresses": schema.ListNestedAttribute{
				MarkdownDescription: "The addresses Ory derived from the traits and the schema that can recover the account, sorted by value.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"value": schema.StringAttribute{Computed: true, MarkdownDescription: "The address."},
					"via":   schema.StringAttribute{Computed: true, MarkdownDescription: "How a recovery message reaches it."},
				}},
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

// stringIdentitySchema is a resource identity of one string attribute,
// which an import by identity must give.
func stringIdentitySchema(name, description string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			name: identityschema.StringAttribute{Description: description, RequiredForImport: true},
		},
	}
}

func (r *identityResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
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
	// Verified at creation: Kratos imports addresses with their status.
	in.VerifiedAddresses = stringsOf(plan.VerifiedAddresses)
	created, err := r.client.CreateIdentity(ctx, in)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create Identity", r.describeWriteError(ctx, err, in))
		return
	}
	tflog.Debug(ctx, "created identity", map[string]any{"id": created.ID})

	current, missing, err := r.verify(ctx, created, plan.VerifiedAddresses)
	switch {
	case len(missing) > 0:
		// Kratos drops imported addresses its schema does not derive from the
		// traits: undo the creation, so that nothing is half-applied.
		detail := notVerifiableDetail(missing, created.SchemaID)
		if err := r.client.DeleteIdentity(ctx, created.ID); err != nil && !ory.IsNotFound(err) {
			// Keep it in state, so that the next apply replaces it instead of orphaning it.
			r.setState(ctx, created, &plan, &resp.State, resp.Identity, &resp.Diagnostics)
			resp.Diagnostics.AddError("Unable to Create Identity", detail+
				fmt.Sprintf(" Removing identity %s again also failed (%s); it is kept in state and the next apply replaces it.", created.ID, ory.Reason(err)))
			return
		}
		resp.Diagnostics.AddAttributeError(path.Root("verified_addresses"), "Unable to Create Identity", detail+" Nothing was created.")
	case err != nil:
		r.setState(ctx, created, &plan, &resp.State, resp.Identity, &resp.Diagnostics)
		resp.Diagnostics.AddError("Unable to Verify Identity Addresses",
			fmt.Sprintf("Identity %s was created, but setting which addresses are verified failed: %s. It is kept in state; run apply again to finish.", created.ID, ory.Reason(err)))
	default:
		r.setState(ctx, current, &plan, &resp.State, resp.Identity, &resp.Diagnostics)
	}
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

	before, err := r.client.GetIdentity(ctx, id)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Update Identity", fmt.Sprintf("Reading identity %s failed: %s", id, ory.Reason(err)))
		return
	}
	in.ExternalID = before.ExternalID
	current := before
	if !before.Matches(in) {
		if current, err = r.client.UpdateIdentity(ctx, id, in); err != nil {
			r.setState(ctx, before, &prior, &resp.State, resp.Identity, &resp.Diagnostics)
			resp.Diagnostics.AddError("Unable to Update Identity", r.describeWriteError(ctx, err, in))
			return
		}
	}

	verified, missing, err := r.verify(ctx, current, plan.VerifiedAddresses)
	switch {
	case len(missing) > 0:
		detail := notVerifiableDetail(missing, current.SchemaID)
		if current != before {
			// Put the previous traits back, so that nothing is half-applied.
			if current, err = r.client.UpdateIdentity(ctx, id, ory.InputFromIdentity(before)); err != nil {
				resp.Diagnostics.AddError("Unable to Update Identity", detail+
					" Putting the previous traits back also failed ("+ory.Reason(err)+"); run terraform apply again after fixing the configuration.")
				return
			}
		}
		r.setState(ctx, current, &prior, &resp.State, resp.Identity, &resp.Diagnostics)
		resp.Diagnostics.AddAttributeError(path.Root("verified_addresses"), "Unable to Update Identity", detail+" The identity was left as it was.")
	case err != nil:
		r.setState(ctx, current, &plan, &resp.State, resp.Identity, &resp.Diagnostics)
		resp.Diagnostics.AddError("Unable to Update Identity Verification",
			fmt.Sprintf("Setting which addresses of identity %s are verified failed: %s", id, ory.Reason(err)))
	default:
		r.setState(ctx, verified, &plan, &resp.State, resp.Identity, &resp.Diagnostics)
		r.endSessionsIfDeactivated(ctx, id, prior, plan, &resp.Diagnostics)
	}
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

// ImportState takes the identity's UUID or one of its login identifiers
// (email, phone number, username), which must name exactly one identity;
// an import block's identity = { id = ... } takes the UUID only.
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
	case errors.Is(err, ory.ErrUnauthorized):
		return "The API refused the credentials: " + reason + ". Check the provider's api_key (or ORY_API_KEY)."
	case errors.Is(err, ory.ErrBadRequest):
		return "The API refused the identity: " + reason + ". Check schema_id and that traits satisfy that identity schema."
	default:
		return reason
	}
}

// verify makes exactly the wanted addresses verified, when wanted is set.
// It returns the identity as it is afterwards, or the wanted addresses that
// the identity can not verify (then nothing was changed). Create and Update
// share it; after a create that imported the addresses it sends nothing.
func (r *identityResource) verify(ctx context.Context, i *ory.Identity, wanted types.Set) (*ory.Identity, []string, error) {
	if wanted.IsNull() || wanted.IsUnknown() {
		return i, nil, nil
	}
	want := map[string]bool{}
	for _, a := range i.VerifiableAddresses {
		want[a.Value] = false
	}
	var missing []string
	for _, v := range stringsOf(wanted) {
		a, ok := i.FindVerifiable(v)
		if !ok {
			missing = append(missing, v)
			continue
		}
		want[a.Value] = true
	}
	if len(missing) > 0 {
		return i, missing, nil
	}
	if slices.Equal(sortedVerified(i), sortedTrue(want)) {
		return i, nil, nil
	}
	got, err := r.client.SetVerification(ctx, i, want)
	return got, nil, err
}

// setState records i in state; prior keeps the user's spelling of addresses.
// The resource identity is set with it.
func (r *identityResource) setState(ctx context.Context, i *ory.Identity, prior *identityResourceModel, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	m, d := identityFromAPI(ctx, i, prior)
	diags.Append(d...)
	diags.Append(state.Set(ctx, &m)...)
	setIdentity(ctx, identity, "id", i.ID, diags)
}

// setIdentity records a resource identity of one string attribute.
// identity is nil for a resource without an identity schema.
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, name, value string, diags *diag.Diagnostics) {
	if identity != nil {
		diags.Append(identity.SetAttribute(ctx, path.Root(name), value)...)
	}
}

// importedID returns what an import names: the string id, or the attribute
// name of an import block's identity (Terraform 1.12 and later).
func importedID(ctx context.Context, req resource.ImportStateRequest, name string, diags *diag.Diagnostics) string {
	if req.ID != "" || req.Identity == nil {
		return req.ID
	}
	var v types.String
	diags.Append(req.Identity.GetAttribute(ctx, path.Root(name), &v)...)
	return v.ValueString()
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
	ra := make([]ory.Address, 0, len(i.RecoveryAddresses))
	for _, a := range i.RecoveryAddresses {
		ra = append(ra, ory.Address(a))
	}
	slices.SortFunc(ra, func(a, b ory.Address) int {
		return cmp.Or(strings.Compare(a.Value, b.Value), strings.Compare(a.Via, b.Via))
	})
	m.RecoveryAddresses = recoveryAddressList(ra, &diags)
	m.Identifiers = stringSet(i.Identifiers)
	return m, diags
}

// sortedVerified returns the values of i's verified addresses, in order.
func sortedVerified(i *ory.Identity) []string {
	out := i.VerifiedValues()
	sort.Strings(out)
	return out
}

// sortedTrue returns the keys of m whose value is true, in order.
func sortedTrue(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func notVerifiableDetail(addresses []string, schemaID string) string {
	return fmt.Sprintf("verified_addresses lists %s, which identity schema %q does not make a verifiable address of this identity. "+
		"Only trait values that the schema marks for verification (\"ory.sh/kratos\": {\"verification\": {\"via\": \"email\"}}, or \"sms\") can be verified: "+
		"remove them from verified_addresses or change the schema.", quoteAll(addresses), schemaID)
}

// decodeJSON decodes s keeping numbers exact.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func encodeJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null"
	}
	return strings.TrimSpace(buf.String())
}

func jsonOrNull(v any) jsontypes.Normalized {
	if v == nil {
		return jsontypes.NewNormalizedNull()
	}
	return jsontypes.NewNormalizedValue(encodeJSON(v))
}

// traitStrings returns every string value inside traits, depth first.
func traitStrings(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			out = append(out, t)
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(t[k])
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func containsAddress(values []string, address string) bool {
	for _, v := range values {
		if ory.SameAddress(v, address) {
			return true
		}
	}
	return false
}

// stringsOf returns the known string elements of a set or list.
func stringsOf(s interface {
	IsNull() bool
	IsUnknown() bool
	Elements() []attr.Value
}) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var out []string
	for _, el := range s.Elements() {
		if v, ok := el.(types.String); ok && !v.IsNull() && !v.IsUnknown() {
			out = append(out, v.ValueString())
		}
	}
	return out
}

// sameAddressSet compares two address sets without regard to case.
func sameAddressSet(a, b types.Set) bool {
	as, bs := stringsOf(a), stringsOf(b)
	if a.IsNull() != b.IsNull() || len(as) != len(bs) {
		return false
	}
	for _, x := range as {
		if !containsAddress(bs, x) {
			return false
		}
	}
	return true
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func quotedList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "`" + s + "`"
	}
	return strings.Join(q, ", ")
}

// isUUID reports whether s has the canonical 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

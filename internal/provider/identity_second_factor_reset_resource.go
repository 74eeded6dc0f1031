package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

var (
	_ resource.Resource               = (*identitySecondFactorResetResource)(nil)
	_ resource.ResourceWithConfigure  = (*identitySecondFactorResetResource)(nil)
	_ resource.ResourceWithModifyPlan = (*identitySecondFactorResetResource)(nil)
)

// NewIdentitySecondFactorResetResource returns the
// ory_identity_second_factor_reset resource.
func NewIdentitySecondFactorResetResource() resource.Resource {
	return &identitySecondFactorResetResource{}
}

type identitySecondFactorResetResource struct {
	client *ory.Client
}

type identitySecondFactorResetModel struct {
	ID            types.String `tfsdk:"id"`
	IdentityID    types.String `tfsdk:"identity_id"`
	Methods       types.Set    `tfsdk:"methods"`
	Version       types.Int64  `tfsdk:"version"`
	SecondFactors types.Set    `tfsdk:"second_factors"`
}

func (r *identitySecondFactorResetResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_second_factor_reset"
}

func (r *identitySecondFactorResetResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Resets the second factors of an identity (TOTP apps, lookup secrets, security keys), for a person who lost theirs: " +
			"after the reset they log in with their first factor alone, and can enrol a new second factor. " +
			"The reset happens when the resource is created and again each time `version` changes, never on other applies, " +
			"so it is safe to leave in a configuration. Destroying it changes nothing in Ory.",
		Attributes: map[string]schema.Attribute{
			"id":          idAsIdentityIDAttribute(),
			"identity_id": identityIDAttribute("The UUID of the identity whose second factors to reset. Changing it replaces the resource, which resets the new identity's."),
			"methods": schema.SetAttribute{
				MarkdownDescription: "The second factors to remove: any of " + quote.Join(ory.SecondFactorMethods, quote.Code, ", ") + "; all of them by default. " +
					"`webauthn` removes the security keys used as a second factor; passkeys (keys that log in without a password) are a first factor, which Ory keeps. " +
					"Changing `methods` alone resets nothing: it applies to the next reset.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(stringSet(ory.SecondFactorMethods)),
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(ory.SecondFactorMethods...)),
				},
			},
			"version": schema.Int64Attribute{
				MarkdownDescription: "Any number; change it to reset again (for example when the person loses their new authenticator too). Without it, the reset happens once, when the resource is created.",
				Optional:            true,
			},
			"second_factors": schema.SetAttribute{
				MarkdownDescription: "The second factors the identity has now, among " + quote.Join(ory.SecondFactorMethods, quote.Code, ", ") + ", as of the last apply or refresh. " +
					"Right after a reset it lacks the methods reset; a second factor the person enrols afterwards shows here and plans nothing: that is what a reset is for.",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
	}
}

func (r *identitySecondFactorResetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks at plan time that the identity of a new reset exists.
func (r *identitySecondFactorResetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() || r.client == nil {
		return
	}
	planIdentityExists(ctx, r.client, req.Plan, &resp.Diagnostics)
}

func (r *identitySecondFactorResetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan identitySecondFactorResetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	r.reset(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *identitySecondFactorResetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state identitySecondFactorResetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	id := state.IdentityID.ValueString()
	left, err := r.client.SecondFactors(ctx, id)
	if ory.IsNotFound(err) {
		tflog.Info(ctx, "identity no longer exists; removing its second-factor reset from state", map[string]any{"identity_id": id})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Second Factors",
			fmt.Sprintf("Reading the second factors of identity %s failed: %s", id, ory.Reason(err)))
		return
	}
	state.ID = state.IdentityID
	state.SecondFactors = stringSet(left)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update resets again when version changed; any other change (methods)
// only records the configuration and what the identity has now.
func (r *identitySecondFactorResetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state identitySecondFactorResetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !configured(r.client, &resp.Diagnostics) {
		return
	}
	if !plan.Version.Equal(state.Version) {
		r.reset(ctx, &plan, &resp.Diagnostics)
	} else {
		id := plan.IdentityID.ValueString()
		left, err := r.client.SecondFactors(ctx, id)
		if err != nil {
			resp.Diagnostics.AddError("Unable to Read Second Factors",
				fmt.Sprintf("Reading the second factors of identity %s failed: %s", id, ory.Reason(err)))
			return
		}
		plan.ID = plan.IdentityID
		plan.SecondFactors = stringSet(left)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete leaves Ory as it is: a reset can not be undone, and the second
// factors enrolled since belong to the person.
func (r *identitySecondFactorResetResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	tflog.Info(ctx, "removing a second-factor reset from state; nothing changes in Ory")
}

// reset removes the planned methods from the identity and records in plan
// what it has left.
func (r *identitySecondFactorResetResource) reset(ctx context.Context, plan *identitySecondFactorResetModel, diags *diag.Diagnostics) {
	id := plan.IdentityID.ValueString()
	var methods []string
	diags.Append(plan.Methods.ElementsAs(ctx, &methods, false)...)
	if diags.HasError() {
		return
	}
	left, err := r.client.ResetSecondFactors(ctx, id, methods)
	if err != nil {
		if ory.IsNotFound(err) {
			diags.Append(identityLookupError(path.Root("identity_id"), id, err))
			return
		}
		diags.AddError("Unable to Reset Second Factors",
			fmt.Sprintf("Removing the second factors (%s) of identity %s failed: %s. Apply again: the factors already removed stay removed.",
				quote.Join(methods, quote.Code, ", "), id, ory.Reason(err)))
		return
	}
	plan.ID = plan.IdentityID
	plan.SecondFactors = stringSet(left)
}

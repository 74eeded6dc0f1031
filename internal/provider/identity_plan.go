package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// ModifyPlan checks the traits against the identity schema and plans what
// Ory derives from them (verifiable and recovery addresses, login
// identifiers), so that a plan shows exactly what apply will leave. When
// the schema can not be read, it warns and leaves the checks to Ory.
func (r *identityResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	// Nothing to plan on destroy, nor when nothing changes: most plans, at scale.
	if req.Plan.Raw.IsNull() || req.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	var plan, cfg identityResourceModel
	var prior *identityResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if !req.State.Raw.IsNull() {
		prior = &identityResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
	}
	if resp.Diagnostics.HasError() || r.client == nil {
		return
	}
	if !planNewerLine(ctx, r.client, &plan, cfg, prior, &resp.Diagnostics) {
		return
	}
	if plan.Traits.IsUnknown() || plan.SchemaID.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	derived, ok := r.checkTraits(ctx, plan, &resp.Diagnostics)
	if !ok {
		return
	}
	planDerived(ctx, &plan, cfg, prior, derived, &resp.Diagnostics)
	if prior != nil && r.keepsStaleIdentifiers(ctx, *prior, derived) {
		// Kratos v1.3.1 keeps the identifiers of a credential method that no
		// trait feeds any more: what it keeps is known only after apply.
		plan.Identifiers = types.SetUnknown(types.StringType)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planNewerLine fails when an attribute of Kratos v25.4.0 and later is set
// for a server that lacks it, and plans none for a new identity without it:
// Ory gives it none.
func planNewerLine(ctx context.Context, c *ory.Client, plan *identityResourceModel, cfg identityResourceModel, prior *identityResourceModel, diags *diag.Diagnostics) bool {
	ok := true
	for _, a := range []struct {
		name    string
		feature ory.Feature
		cfg     types.String
		plan    *types.String
	}{
		{"external_id", ory.FeatureExternalID, cfg.ExternalID, &plan.ExternalID},
		{"organization_id", ory.FeatureOrganizationID, cfg.OrganizationID, &plan.OrganizationID},
	} {
		if a.cfg.IsNull() {
			if prior == nil {
				*a.plan = types.StringNull()
			}
			continue
		}
		if err := c.ServerVersion(ctx).Require(a.feature); err != nil {
			diags.AddAttributeError(path.Root(a.name), "Unsupported by This Ory Server",
				ory.Reason(err)+". Remove "+a.name+" from the configuration, or upgrade Kratos.")
			ok = false
		}
	}
	return ok
}

// checkTraits validates the planned traits against their schema and derives
// what Ory will store. ok is false when nothing can be planned: the traits
// are refused (an error), or the schema can not be used (a warning).
func (r *identityResource) checkTraits(ctx context.Context, plan identityResourceModel, diags *diag.Diagnostics) (derived ory.Derived, ok bool) {
	schemaID := plan.SchemaID.ValueString()
	s, err := r.client.Schema(ctx, schemaID)
	var unknown *ory.UnknownSchemaError
	switch {
	case errors.As(err, &unknown):
		diags.AddAttributeError(path.Root("schema_id"), "Unknown Identity Schema",
			unknown.Error()+". Set schema_id to one of them, or add the schema to Ory (identity.schemas in Kratos's configuration, or the project's identity schemas in Ory Network).")
		return derived, false
	case err != nil:
		r.warnOnce(diags, "Identity Schemas Not Checked at Plan",
			fmt.Sprintf("The provider could not read identity schema %q (%s), so traits are not checked and derived addresses are not planned until apply, where Ory checks them. "+
				"With self-hosted Kratos, the admin API redirects schema requests to the public URL (serve.public.base_url): make it reachable from where plan runs.",
				schemaID, ory.Reason(err)))
		return derived, false
	case s.Unchecked != "":
		r.warnOnce(diags, "Identity Schema Not Checked at Plan",
			fmt.Sprintf("Identity schema %q can not be checked without Ory (%s): its traits are checked by Ory at apply.", schemaID, s.Unchecked))
		return derived, false
	}
	traits, err := decodeJSON(plan.Traits.ValueString())
	obj, isObject := traits.(map[string]any)
	if err != nil || !isObject {
		return derived, false // the traits attribute's own validator reports it
	}
	var te *ory.TraitsError
	if err := s.ValidateTraits([]byte(plan.Traits.ValueString())); errors.As(err, &te) {
		diags.AddAttributeError(path.Root("traits"), "Traits Do Not Match the Identity Schema",
			fmt.Sprintf("Ory would refuse these traits. Identity schema %q says:\n  %s\nChange the traits (or schema_id) so that they satisfy the schema.",
				schemaID, strings.Join(te.Problems, "\n  ")))
		return derived, false
	}
	if !s.Derivable {
		r.warnOnce(diags, "Derived Values Known After Apply",
			fmt.Sprintf("Identity schema %q declares Ory's extension (\"ory.sh/kratos\") where the provider does not follow it (in a definition reached by \"$ref\", or in a combinator such as \"allOf\"): "+
				"traits are checked at plan, but the addresses and login identifiers Ory derives from them are known only after apply.", schemaID))
		return derived, false
	}
	return s.Derive(obj), true
}

// warnOnce adds a warning about schemas the first time in this run.
func (r *identityResource) warnOnce(diags *diag.Diagnostics, summary, detail string) {
	if r.schemaWarned.CompareAndSwap(false, true) {
		diags.AddWarning(summary, detail)
	}
}

// keepsStaleIdentifiers reports whether the prior traits fed a credential
// method that the new traits feed nothing: Kratos then keeps that method's
// old identifiers.
func (r *identityResource) keepsStaleIdentifiers(ctx context.Context, prior identityResourceModel, derived ory.Derived) bool {
	traits, err := decodeJSON(prior.Traits.ValueString())
	obj, ok := traits.(map[string]any)
	if err != nil || !ok {
		return false
	}
	s, err := r.client.Schema(ctx, prior.SchemaID.ValueString())
	if err != nil {
		return true // can not tell: leave it to apply
	}
	for _, m := range s.Derive(obj).Methods {
		if !slices.Contains(derived.Methods, m) {
			return true
		}
	}
	return false
}

// planDerived sets the planned address lists, verified addresses and login
// identifiers from what Ory derives. An address keeps the verification it
// has (prior is the refreshed state, nil on create) unless
// verified_addresses, when configured, says otherwise.
func planDerived(ctx context.Context, plan *identityResourceModel, cfg identityResourceModel, prior *identityResourceModel, derived ory.Derived, diags *diag.Diagnostics) {
	wanted := stringsOf(cfg.VerifiedAddresses)
	if !cfg.VerifiedAddresses.IsNull() && !cfg.VerifiedAddresses.IsUnknown() {
		var missing []string
		for _, w := range wanted {
			if !slices.ContainsFunc(derived.VerifiableAddresses, func(a ory.Address) bool { return ory.SameAddress(a.Value, w) }) {
				missing = append(missing, w)
			}
		}
		if len(missing) > 0 {
			diags.AddAttributeError(path.Root("verified_addresses"), "Address Not Verifiable", notVerifiableDetail(missing, plan.SchemaID.ValueString()))
			return
		}
	}
	priorAddresses := map[ory.Address]verifiableAddressModel{}
	if prior != nil {
		for _, a := range verifiableAddressesOf(ctx, prior.VerifiableAddresses, diags) {
			priorAddresses[ory.Address{Value: a.Value, Via: a.Via}] = a
		}
	}
	managed := !cfg.VerifiedAddresses.IsNull()
	addresses := make([]verifiableAddressModel, 0, len(derived.VerifiableAddresses))
	var verified []string
	for _, d := range derived.VerifiableAddresses {
		a := verifiableAddressModel{Value: d.Value, Via: d.Via, Status: ory.StatusPending}
		if p, ok := priorAddresses[d]; ok && (!managed || !p.Verified) {
			a = p
		}
		if managed && slices.ContainsFunc(wanted, func(w string) bool { return ory.SameAddress(w, d.Value) }) {
			a.Verified, a.Status = true, ory.StatusCompleted
		}
		if a.Verified {
			verified = append(verified, d.Value)
		}
		addresses = append(addresses, a)
	}
	plan.VerifiableAddresses = verifiableAddressList(addresses, diags)
	plan.RecoveryAddresses = recoveryAddressList(derived.RecoveryAddresses, diags)
	if !managed {
		// Reported, not managed: what stays verified, in the state's spelling.
		plan.VerifiedAddresses = respell(verified, prior)
	}
	plan.Identifiers = stringSet(derived.Identifiers)
}

// respell returns values in the spelling prior's verified_addresses use.
func respell(values []string, prior *identityResourceModel) types.Set {
	var spellings []string
	if prior != nil {
		spellings = stringsOf(prior.VerifiedAddresses)
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		for _, s := range spellings {
			if ory.SameAddress(s, v) {
				v = s
				break
			}
		}
		out = append(out, v)
	}
	return stringSet(out)
}

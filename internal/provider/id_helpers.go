package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

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

// stringIdentitySchema is a resource identity of one string attribute,
// which an import by identity must give.
func stringIdentitySchema(name, description string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			name: identityschema.StringAttribute{Description: description, RequiredForImport: true},
		},
	}
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

// identityIDAttribute is the identity_id of a resource that belongs to one
// identity: a UUID, required, and replacing the resource when it changes.
func identityIDAttribute(description string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description,
		Required:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		Validators:          []validator.String{uuidValidator{}},
	}
}

// idAsIdentityIDAttribute is the id of a resource identified by its
// identity's UUID, which never changes.
func idAsIdentityIDAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "The identity's UUID, as `identity_id`.",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

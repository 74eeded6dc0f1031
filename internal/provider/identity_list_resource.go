package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

var (
	_ list.ListResource              = (*identityListResource)(nil)
	_ list.ListResourceWithConfigure = (*identityListResource)(nil)
)

// NewIdentityListResource returns the list resource ory_identity, which
// terraform query uses to find identities to import.
func NewIdentityListResource() list.ListResource {
	return &identityListResource{}
}

type identityListResource struct {
	client *ory.Client
}

type identityListModel struct {
	Identifier types.String `tfsdk:"identifier"`
	IDs        types.List   `tfsdk:"ids"`
	SchemaID   types.String `tfsdk:"schema_id"`
	State      types.String `tfsdk:"state"`
	PageSize   types.Int64  `tfsdk:"page_size"`
}

func (r *identityListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

func (r *identityListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists Ory identities for `terraform query` (Terraform 1.14 and later): every identity, or those matching all the filters set, " +
			"reading every page of the API. Each result is the identity's resource identity (its UUID); with `include_resource = true`, " +
			"also the whole `ory_identity`, so that `terraform query -generate-config-out=FILE` writes a resource block and an import block for each.",
		Attributes: map[string]schema.Attribute{
			"identifier": schema.StringAttribute{
				MarkdownDescription: "Keep only the identities that sign in with this login identifier (an email, phone number or username), as the API matches it: " +
					"emails and usernames without regard to case; phone numbers exactly as stored, such as `+14155552671`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"ids": schema.ListAttribute{
				MarkdownDescription: "Keep only the identities with these UUIDs. Ids that no identity has are left out; an empty list matches nothing.",
				ElementType:         types.StringType,
				Optional:            true,
				Validators:          []validator.List{listvalidator.ValueStringsAre(uuidValidator{})},
			},
			"schema_id": schema.StringAttribute{
				MarkdownDescription: "Keep only the identities of this identity schema, such as `email`. The API has no such filter: the provider reads every page and filters.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"state": schema.StringAttribute{
				MarkdownDescription: "Keep only the identities in this state: one of " + quote.Join(ory.States, quote.Code, ", ") + ". The API has no such filter: the provider reads every page and filters.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(ory.States...)},
			},
			"page_size": schema.Int64Attribute{
				MarkdownDescription: "How many identities to ask the API for per request. Defaults to the API's default (250). " +
					"Every page is read either way; the provider holds one page at a time and hands each identity to Terraform as its page arrives.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
		},
	}
}

func (r *identityListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// List streams the identities to Terraform as the pages of the API arrive:
// one page is held at a time, and no page is asked for once Terraform has
// enough (its limit) or stops reading.
func (r *identityListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg identityListModel
	var diags diag.Diagnostics
	diags.Append(req.Config.Get(ctx, &cfg)...)
	if diags.HasError() || !configured(r.client, &diags) {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	opts := ory.ListOptions{
		Identifier:  cfg.Identifier.ValueString(),
		SchemaID:    cfg.SchemaID.ValueString(),
		State:       cfg.State.ValueString(),
		PageSize:    cfg.PageSize.ValueInt64(),
		Identifiers: true,
	}
	if !cfg.IDs.IsNull() {
		// Set, even when empty: an empty list filters everything out.
		opts.IDs = append([]string{}, stringsOf(cfg.IDs)...)
	}

	stream.Results = func(push func(list.ListResult) bool) {
		var n int64
		err := r.client.EachIdentity(ctx, opts, func(i ory.Identity) bool {
			if !push(r.result(ctx, req, &i)) {
				return false
			}
			n++
			return req.Limit <= 0 || n < req.Limit
		})
		tflog.Debug(ctx, "listed identities", map[string]any{"count": n})
		if err != nil {
			var d diag.Diagnostics
			d.AddError("Unable to List Identities", "Listing identities failed: "+ory.Reason(err))
			push(list.ListResult{Diagnostics: d})
		}
	}
}

// result maps one identity to a list result, with the same mapping as the
// resource, so that the generated configuration plans clean after import.
func (r *identityListResource) result(ctx context.Context, req list.ListRequest, i *ory.Identity) list.ListResult {
	res := req.NewListResult(ctx)
	res.DisplayName = i.ID
	if len(i.Identifiers) > 0 {
		res.DisplayName = i.Identifiers[0]
	}
	setIdentity(ctx, res.Identity, "id", i.ID, &res.Diagnostics)
	if req.IncludeResource {
		m, d := identityFromAPI(ctx, i, nil)
		res.Diagnostics.Append(d...)
		res.Diagnostics.Append(res.Resource.Set(ctx, &m)...)
	}
	return res
}

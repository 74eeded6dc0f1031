package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
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
	identityFilterModel
	IDs      types.List  `tfsdk:"ids"`
	PageSize types.Int64 `tfsdk:"page_size"`
}

func (r *identityListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

func (r *identityListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	attributes := identityFilterAttributes(func(description string, validators ...validator.String) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: description, Optional: true, Validators: validators}
	})
	attributes["ids"] = schema.ListAttribute{
		MarkdownDescription: idsFilterDescription,
		ElementType:         types.StringType,
		Optional:            true,
		Validators:          []validator.List{listvalidator.ValueStringsAre(uuidValidator{})},
	}
	attributes["page_size"] = schema.Int64Attribute{
		MarkdownDescription: "How many identities to ask the API for per request. Defaults to the API's default (250). " +
			"Every page is read either way; the provider holds one page at a time and hands each identity to Terraform as its page arrives.",
		Optional:   true,
		Validators: []validator.Int64{int64validator.AtLeast(1)},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists Ory identities for `terraform query` (Terraform 1.14 and later): every identity, or those matching all the filters set, " +
			"reading every page of the API. Each result is the identity's resource identity (its UUID); with `include_resource = true`, " +
			"also the whole `ory_identity`, so that `terraform query -generate-config-out=FILE` writes a resource block and an import block for each.",
		Attributes: attributes,
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
	opts := cfg.listOptions(cfg.IDs)
	opts.PageSize = cfg.PageSize.ValueInt64()
	opts.Identifiers = true

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

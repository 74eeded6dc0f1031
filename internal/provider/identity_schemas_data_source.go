package provider

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

var (
	_ datasource.DataSource              = (*identitySchemasDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*identitySchemasDataSource)(nil)
)

// NewIdentitySchemasDataSource returns the ory_identity_schemas data source.
func NewIdentitySchemasDataSource() datasource.DataSource {
	return &identitySchemasDataSource{}
}

type identitySchemasDataSource struct {
	client *ory.Client
}

type identitySchemasDataSourceModel struct {
	Schemas []identitySchemaModel `tfsdk:"schemas"`
}

func (d *identitySchemasDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_schemas"
}

func (d *identitySchemasDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every Ory identity schema, each with the same attributes as the `ory_identity_schema` data source.",
		Attributes: map[string]schema.Attribute{
			"schemas": schema.ListNestedAttribute{
				MarkdownDescription: "The identity schemas, sorted by `id`, whatever order Ory lists them in.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: identitySchemaAttributes(schema.StringAttribute{
					MarkdownDescription: "The identity schema's id, as an identity's `schema_id` names it.",
					Computed:            true,
				})},
			},
		},
	}
}

func (d *identitySchemasDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *identitySchemasDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !configured(d.client, &resp.Diagnostics) {
		return
	}
	found, err := d.client.Schemas(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Unable to List Identity Schemas", "Listing identity schemas failed: "+ory.Reason(err))
		return
	}
	state := identitySchemasDataSourceModel{Schemas: make([]identitySchemaModel, 0, len(found))}
	for _, s := range found {
		state.Schemas = append(state.Schemas, identitySchemaFromAPI(s))
	}
	sort.SliceStable(state.Schemas, func(a, b int) bool { return state.Schemas[a].ID.ValueString() < state.Schemas[b].ID.ValueString() })
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

package provider

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

var (
	_ datasource.DataSource              = (*identitiesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*identitiesDataSource)(nil)
)

// NewIdentitiesDataSource returns the ory_identities data source.
func NewIdentitiesDataSource() datasource.DataSource {
	return &identitiesDataSource{}
}

type identitiesDataSource struct {
	client *ory.Client
}

type identitiesDataSourceModel struct {
	identityFilterModel
	IDs           types.Set             `tfsdk:"ids"`
	IncludeTraits types.Bool            `tfsdk:"include_traits"`
	Identities    []identitiesItemModel `tfsdk:"identities"`
}

type identitiesItemModel struct {
	ID                  types.String `tfsdk:"id"`
	SchemaID            types.String `tfsdk:"schema_id"`
	Traits              types.String `tfsdk:"traits"`
	State               types.String `tfsdk:"state"`
	VerifiableAddresses types.List   `tfsdk:"verifiable_addresses"`
	RecoveryAddresses   types.List   `tfsdk:"recovery_addresses"`
}

func (d *identitiesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identities"
}

func (d *identitiesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attributes := identityFilterAttributes(func(description string, validators ...validator.String) schema.Attribute {
		return schema.StringAttribute{MarkdownDescription: description, Optional: true, Validators: validators}
	})
	attributes["ids"] = schema.SetAttribute{
		MarkdownDescription: idsFilterDescription,
		ElementType:         types.StringType,
		Optional:            true,
		Validators:          []validator.Set{setvalidator.ValueStringsAre(uuidValidator{})},
	}
	attributes["include_traits"] = schema.BoolAttribute{
		MarkdownDescription: "Whether each identity's `traits` are copied into the result, and so into the state. Defaults to `true`, as before the attribute existed. " +
			"Set it to `false` when ids, states and addresses are all you need (to feed `for_each`, to find inactive accounts): `traits` is then null, and the state holds no traits.",
		Optional: true,
	}
	attributes["identities"] = schema.ListNestedAttribute{
		MarkdownDescription: "The identities found, sorted by `id`. When several filters are set, an identity must match all of them.",
		Computed:            true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"id":        schema.StringAttribute{Computed: true, MarkdownDescription: "The identity's UUID."},
			"schema_id": schema.StringAttribute{Computed: true, MarkdownDescription: "The identity schema the traits are validated against."},
			"traits":    schema.StringAttribute{Computed: true, MarkdownDescription: "The traits, a JSON object; read it with `jsondecode()`. Null with `include_traits = false`."},
			"state":     schema.StringAttribute{Computed: true, MarkdownDescription: "Whether the identity may sign in: one of " + quote.Join(ory.States, quote.Code, ", ") + "."},
			"verifiable_addresses": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The addresses that can be verified, sorted by value.",
				NestedObject:        schema.NestedAttributeObject{Attributes: addressDataSourceAttributes(verifiableAddressFields)},
			},
			"recovery_addresses": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The addresses that can recover the account, sorted by value.",
				NestedObject:        schema.NestedAttributeObject{Attributes: addressDataSourceAttributes(recoveryAddressFields)},
			},
		}},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists Ory identities, all of them or those matching the filters, reading every page of the API. " +
			"Everything listed lands in the state, in clear text: ids, schema ids, states, the verifiable and recovery addresses (emails, phone numbers) and, unless `include_traits = false`, every identity's traits (names and whatever else the identity schema holds: personal data). " +
			"Credentials and metadata are never listed.",
		Attributes: attributes,
	}
}

func (d *identitiesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *identitiesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg identitiesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !configured(d.client, &resp.Diagnostics) {
		return
	}
	opts := cfg.listOptions(cfg.IDs)

	found, err := d.client.ListIdentities(ctx, opts)
	if err != nil {
		resp.Diagnostics.AddError("Unable to List Identities", "Listing identities failed: "+ory.Reason(err))
		return
	}
	sort.SliceStable(found, func(a, b int) bool { return found[a].ID < found[b].ID })

	state := identitiesDataSourceModel{identityFilterModel: cfg.identityFilterModel, IDs: cfg.IDs, IncludeTraits: cfg.IncludeTraits, Identities: make([]identitiesItemModel, 0, len(found))}
	for i := range found {
		// The same mapping as ory_identity, so the address lists read alike.
		m, diags := identityFromAPI(ctx, &found[i], nil)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		traits := types.StringNull()
		if cfg.IncludeTraits.IsNull() || cfg.IncludeTraits.ValueBool() {
			traits = types.StringValue(m.Traits.ValueString())
		}
		state.Identities = append(state.Identities, identitiesItemModel{
			ID:                  m.ID,
			SchemaID:            m.SchemaID,
			Traits:              traits,
			State:               m.State,
			VerifiableAddresses: m.VerifiableAddresses,
			RecoveryAddresses:   m.RecoveryAddresses,
		})
	}
	tflog.Debug(ctx, "listed identities", map[string]any{"count": len(state.Identities)})
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

var (
	_ datasource.DataSource                     = (*identityDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*identityDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*identityDataSource)(nil)
)

// NewIdentityDataSource returns the ory_identity data source.
func NewIdentityDataSource() datasource.DataSource {
	return &identityDataSource{}
}

type identityDataSource struct {
	client *ory.Client
}

// identityDataSourceModel is the resource's model plus the lookup key, so
// that both are filled by the same identityFromAPI and can not drift apart.
type identityDataSourceModel struct {
	identityResourceModel
	Identifier types.String `tfsdk:"identifier"`
}

func (d *identityDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity"
}

func (d *identityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one Ory identity by its UUID, by a login identifier (an email, phone number or username) or by its `external_id`, " +
			"and returns everything the `ory_identity` resource manages. Finding no identity, or more than one, is an error.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The identity's UUID. Set exactly one of `id`, `identifier` and `external_id`; when looked up by another, the UUID found.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{uuidValidator{}},
			},
			"identifier": schema.StringAttribute{
				MarkdownDescription: "A login identifier: a trait value that the identity schema marks as a credential identifier, such as the email, phone number or username the identity signs in with. " +
					"Emails and usernames match without regard to case; phone numbers must be written exactly as stored, such as `+14155552671`. " +
					"An address that is only verifiable (not used to sign in) is not a login identifier. Set exactly one of `id`, `identifier` and `external_id`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"external_id": schema.StringAttribute{
				MarkdownDescription: "The identity's own id in another system, unique in the project; set it to look the identity up by it (exactly one of `id`, `identifier` and `external_id`). " +
					"Needs Ory Network or Kratos v25.4.0 and later: against an older Kratos, looking up by it is an error that says so; otherwise it is null.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "The UUID of the Ory organization (B2B) the identity belongs to, or null.",
				Computed:            true,
			},
			"schema_id": schema.StringAttribute{
				MarkdownDescription: "The identity schema the traits are validated against.",
				Computed:            true,
			},
			"traits": schema.StringAttribute{
				MarkdownDescription: "The traits, a JSON object; read it with `jsondecode()`.",
				CustomType:          jsontypes.NormalizedType{},
				Computed:            true,
			},
			"state": schema.StringAttribute{
				MarkdownDescription: "Whether the identity may sign in: one of " + quote.Join(ory.States, quote.Code, ", ") + ".",
				Computed:            true,
			},
			"metadata_public": schema.StringAttribute{
				MarkdownDescription: "Metadata the identity itself can read, a JSON object, or null.",
				CustomType:          jsontypes.NormalizedType{},
				Computed:            true,
			},
			"metadata_admin": schema.StringAttribute{
				MarkdownDescription: "Metadata only the admin API can read, a JSON object, or null.",
				CustomType:          jsontypes.NormalizedType{},
				Computed:            true,
			},
			"verified_addresses": schema.SetAttribute{
				MarkdownDescription: "The addresses (emails, phone numbers) that are verified.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"verifiable_addresses": schema.ListNestedAttribute{
				MarkdownDescription: "The addresses Ory derived from the traits and the schema that can be verified, sorted by value.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: addressDataSourceAttributes(verifiableAddressFields)},
			},
			"recovery_addresses": schema.ListNestedAttribute{
				MarkdownDescription: "The addresses Ory derived from the traits and the schema that can recover the account, sorted by value.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: addressDataSourceAttributes(recoveryAddressFields)},
			},
			"identifiers": schema.SetAttribute{
				MarkdownDescription: identifiersDescription,
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

func (d *identityDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("identifier"), path.MatchRoot("external_id")),
	}
}

func (d *identityDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *identityDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg identityDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !configured(d.client, &resp.Diagnostics) {
		return
	}

	var found *ory.Identity
	if id := cfg.ID.ValueString(); id != "" {
		got, err := d.client.GetIdentity(ctx, id)
		if ory.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Identity Not Found",
				fmt.Sprintf("No identity has the id %s. Check the id, or look the identity up by its login identifier with identifier = \"...\" instead.", id))
			return
		}
		if err != nil {
			resp.Diagnostics.AddError("Unable to Read Identity", fmt.Sprintf("Reading identity %s failed: %s", id, ory.Reason(err)))
			return
		}
		found = got
	} else if ext := cfg.ExternalID.ValueString(); ext != "" {
		got, err := d.client.FindByExternalID(ctx, ext)
		if err != nil {
			summary := "Unable to Read Identity"
			notFound, detail := externalIDLookupProblem(ext, err)
			if notFound {
				summary = "Identity Not Found"
			}
			resp.Diagnostics.AddAttributeError(path.Root("external_id"), summary, detail)
			return
		}
		found = got
	} else {
		identifier := cfg.Identifier.ValueString()
		got, err := d.client.FindByIdentifier(ctx, identifier)
		if err != nil {
			resp.Diagnostics.AddError("Unable to Read Identity",
				fmt.Sprintf("Looking up the identity with login identifier %q failed: %s", identifier, ory.Reason(err)))
			return
		}
		if len(got) != 1 {
			summary, detail := identifierMatchProblem(identifier, got)
			resp.Diagnostics.AddAttributeError(path.Root("identifier"), summary, detail)
			return
		}
		found = &got[0]
	}

	m, diags := identityFromAPI(ctx, found, nil)
	resp.Diagnostics.Append(diags...)
	state := identityDataSourceModel{identityResourceModel: m, Identifier: cfg.Identifier}
	if !cfg.ID.IsNull() {
		// Keep the configured spelling of the UUID (Ory answers in lower case).
		state.ID = cfg.ID
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

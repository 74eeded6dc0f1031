package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
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
	_ datasource.DataSource              = (*identitySchemaDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*identitySchemaDataSource)(nil)
)

// NewIdentitySchemaDataSource returns the ory_identity_schema data source.
func NewIdentitySchemaDataSource() datasource.DataSource {
	return &identitySchemaDataSource{}
}

type identitySchemaDataSource struct {
	client *ory.Client
}

// identitySchemaModel is one identity schema, for both schema data sources.
type identitySchemaModel struct {
	ID            types.String            `tfsdk:"id"`
	Schema        jsontypes.Normalized    `tfsdk:"schema"`
	Identifiers   []schemaIdentifierModel `tfsdk:"identifiers"`
	Verifiable    []schemaChannelModel    `tfsdk:"verifiable"`
	Recoverable   []schemaChannelModel    `tfsdk:"recoverable"`
	CheckedAtPlan types.Bool              `tfsdk:"checked_at_plan"`
}

type schemaIdentifierModel struct {
	Trait   types.String `tfsdk:"trait"`
	Methods []string     `tfsdk:"methods"`
}

type schemaChannelModel struct {
	Trait types.String `tfsdk:"trait"`
	Via   types.String `tfsdk:"via"`
}

func (d *identitySchemaDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_schema"
}

func (d *identitySchemaDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Ory identity schema by its id: the schema document, and which traits sign in, can be verified and can recover the account. " +
			"Use it in a `precondition` or a `check` block to assert what identities of the schema will be able to do. An id Ory does not have is an error that lists the ids it has.",
		Attributes: identitySchemaAttributes(schema.StringAttribute{
			MarkdownDescription: "The identity schema's id, as an identity's `schema_id` names it.",
			Required:            true,
			// An empty id would read the list of schemas instead.
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
		}),
	}
}

// identitySchemaAttributes describes one identity schema, for both schema
// data sources; only id is declared differently.
func identitySchemaAttributes(id schema.StringAttribute) map[string]schema.Attribute {
	trait := schema.StringAttribute{Computed: true, MarkdownDescription: "The trait's path below `traits`, with dots between the levels, such as `email` or `name.login`. An array trait, such as `emails`, is named once and stands for each of its values."}
	return map[string]schema.Attribute{
		"id": id,
		"schema": schema.StringAttribute{
			MarkdownDescription: "The schema document as Ory serves it, a JSON object; read it with `jsondecode()`.",
			CustomType:          jsontypes.NormalizedType{},
			Computed:            true,
		},
		"identifiers": schema.ListNestedAttribute{
			MarkdownDescription: "The traits whose value is a login identifier (Ory's `credentials.<method>.identifier`), sorted by `trait`; empty when none is.",
			Computed:            true,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"trait": trait,
				"methods": schema.ListAttribute{
					MarkdownDescription: "The credential methods for which the value signs in, sorted, such as `code`, `password` and `webauthn`.",
					ElementType:         types.StringType,
					Computed:            true,
				},
			}},
		},
		"verifiable": traitsVia(trait,
			"The traits whose value becomes a verifiable address (Ory's `verification.via`), sorted by `trait`; empty when none does.",
			"How the address is verified: `email` or `sms`."),
		"recoverable": traitsVia(trait,
			"The traits whose value becomes a recovery address (Ory's `recovery.via`), sorted by `trait`; empty when none does.",
			"How a recovery message reaches the address, such as `email`."),
		"checked_at_plan": schema.BoolAttribute{
			MarkdownDescription: "Whether the provider can check traits against this schema itself, at plan. " +
				"`false` when the schema refers to other documents (a `$ref` to a URL or file), which the provider does not load: " +
				"traits of this schema are then checked by Ory at apply, not at plan, and `identifiers`, `verifiable` and `recoverable` " +
				"list only what this document itself declares.",
			Computed: true,
		},
	}
}

// traitsVia is a list of traits, each with the channel that reaches its value.
func traitsVia(trait schema.StringAttribute, description, viaDescription string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: description,
		Computed:            true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"trait": trait,
			"via":   schema.StringAttribute{Computed: true, MarkdownDescription: viaDescription},
		}},
	}
}

func (d *identitySchemaDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *identitySchemaDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg identitySchemaModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !configured(d.client, &resp.Diagnostics) {
		return
	}
	id := cfg.ID.ValueString()
	s, err := d.client.Schema(ctx, id)
	var unknown *ory.UnknownSchemaError
	if errors.As(err, &unknown) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Identity Schema Not Found", unknownSchemaDetail(unknown))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Identity Schema", fmt.Sprintf("Reading identity schema %q failed: %s", id, ory.Reason(err)))
		return
	}
	state := identitySchemaFromAPI(s)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// unknownSchemaDetail says which schemas Ory has instead, and what to do.
func unknownSchemaDetail(e *ory.UnknownSchemaError) string {
	known := slices.Sorted(slices.Values(e.Known))
	if len(known) == 0 {
		return fmt.Sprintf("Ory has no identity schema %q, and listed no others. "+
			"Check the id, and that the provider's url points at the Ory you mean.", e.ID)
	}
	return fmt.Sprintf("Ory has no identity schema %q. The schemas it has: %s. "+
		"Use one of these ids, or add the schema to Ory first (Kratos: identity.schemas in its configuration; Ory Network: the project's identity schemas).",
		e.ID, quote.Join(known, strconv.Quote, ", "))
}

// identitySchemaFromAPI maps an identity schema to its Terraform model, for
// both schema data sources. Lists are empty, never null, so that for
// expressions over them need no null check.
func identitySchemaFromAPI(s *ory.Schema) identitySchemaModel {
	m := identitySchemaModel{
		ID:            types.StringValue(s.ID),
		Schema:        jsontypes.NewNormalizedValue(string(s.Raw)),
		Identifiers:   []schemaIdentifierModel{},
		Verifiable:    []schemaChannelModel{},
		Recoverable:   []schemaChannelModel{},
		CheckedAtPlan: types.BoolValue(s.Unchecked == ""),
	}
	rules := slices.Clone(s.Traits)
	sort.SliceStable(rules, func(a, b int) bool { return traitName(rules[a]) < traitName(rules[b]) })
	for _, r := range rules {
		trait := types.StringValue(traitName(r))
		if len(r.Identifier) > 0 {
			m.Identifiers = append(m.Identifiers, schemaIdentifierModel{Trait: trait, Methods: slices.Sorted(slices.Values(r.Identifier))})
		}
		if r.VerificationVia != "" {
			m.Verifiable = append(m.Verifiable, schemaChannelModel{Trait: trait, Via: types.StringValue(r.VerificationVia)})
		}
		if r.RecoveryVia != "" {
			m.Recoverable = append(m.Recoverable, schemaChannelModel{Trait: trait, Via: types.StringValue(r.RecoveryVia)})
		}
	}
	return m
}

// traitName is a trait's path as written in HCL: name.login.
func traitName(r ory.TraitRule) string {
	return strings.Join(r.Path, ".")
}

package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

var (
	_ datasource.DataSource              = (*identitySessionsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*identitySessionsDataSource)(nil)
)

// NewIdentitySessionsDataSource returns the ory_identity_sessions data source.
func NewIdentitySessionsDataSource() datasource.DataSource {
	return &identitySessionsDataSource{}
}

type identitySessionsDataSource struct {
	client *ory.Client
}

type identitySessionsModel struct {
	IdentityID         types.String   `tfsdk:"identity_id"`
	ActiveOnly         types.Bool     `tfsdk:"active_only"`
	IncludeIPAddresses types.Bool     `tfsdk:"include_ip_addresses"`
	Sessions           []sessionModel `tfsdk:"sessions"`
}

type sessionModel struct {
	ID              types.String  `tfsdk:"id"`
	Active          types.Bool    `tfsdk:"active"`
	AAL             types.String  `tfsdk:"authenticator_assurance_level"`
	Methods         []string      `tfsdk:"authentication_methods"`
	AuthenticatedAt types.String  `tfsdk:"authenticated_at"`
	IssuedAt        types.String  `tfsdk:"issued_at"`
	ExpiresAt       types.String  `tfsdk:"expires_at"`
	Devices         []deviceModel `tfsdk:"devices"`
}

type deviceModel struct {
	UserAgent types.String `tfsdk:"user_agent"`
	Location  types.String `tfsdk:"location"`
	IPAddress types.String `tfsdk:"ip_address"`
}

func (d *identitySessionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_identity_sessions"
}

func (d *identitySessionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The sessions of an identity, for audits in `check` blocks and `precondition`s: for example that an offboarded admin has no active session left. " +
			"IP addresses are left out unless `include_ip_addresses` asks for them, since they are personal data that would land in the state.",
		Attributes: map[string]schema.Attribute{
			"identity_id": schema.StringAttribute{
				MarkdownDescription: "The UUID of the identity.",
				Required:            true,
				Validators:          []validator.String{uuidValidator{}},
			},
			"active_only": schema.BoolAttribute{
				MarkdownDescription: "List only active sessions (not expired, not revoked). Defaults to `true`.",
				Optional:            true,
			},
			"include_ip_addresses": schema.BoolAttribute{
				MarkdownDescription: "Fill in each device's `ip_address`. Defaults to `false`: the addresses stay out of the state.",
				Optional:            true,
			},
			"sessions": schema.ListNestedAttribute{
				MarkdownDescription: "The sessions, newest first as Ory lists them.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                            str("The session's UUID."),
					"active":                        schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the session is active."},
					"authenticator_assurance_level": str("`aal1` after one factor, `aal2` after a second factor."),
					"authentication_methods": schema.ListAttribute{
						Computed: true, ElementType: types.StringType,
						MarkdownDescription: "How the identity authenticated, such as `password`, `code`, `totp` or `oidc`.",
					},
					"authenticated_at": str("When the identity authenticated, RFC 3339."),
					"issued_at":        str("When the session was issued, RFC 3339."),
					"expires_at":       str("When the session expires, RFC 3339."),
					"devices": schema.ListNestedAttribute{
						Computed:            true,
						MarkdownDescription: "The devices the session was used from.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"user_agent": str("The device's User-Agent."),
							"location":   str("The location Ory derived, if any."),
							"ip_address": str("The IP address as Ory recorded it (it may include the port, such as `192.0.2.7:51234`), only with `include_ip_addresses = true`; null otherwise."),
						}},
					},
				}},
			},
		},
	}
}

func (d *identitySessionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *identitySessionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg identitySessionsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !configured(d.client, &resp.Diagnostics) {
		return
	}
	id := cfg.IdentityID.ValueString()
	if _, err := d.client.GetIdentity(ctx, id); err != nil {
		// The sessions endpoint answers an empty list for an unknown identity.
		resp.Diagnostics.Append(identityLookupError(path.Root("identity_id"), id, err))
		return
	}
	activeOnly := cfg.ActiveOnly.IsNull() || cfg.ActiveOnly.ValueBool()
	found, err := d.client.ListSessions(ctx, id, activeOnly)
	if err != nil {
		resp.Diagnostics.AddError("Unable to List Sessions", ory.Reason(err))
		return
	}
	cfg.Sessions = sessionsFromAPI(found, cfg.IncludeIPAddresses.ValueBool())
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// sessionsFromAPI maps sessions to the model; IP addresses only when asked.
func sessionsFromAPI(found []ory.Session, withIP bool) []sessionModel {
	out := make([]sessionModel, 0, len(found))
	timestamp := func(t time.Time) types.String {
		if t.IsZero() {
			return types.StringNull()
		}
		return types.StringValue(t.UTC().Format(time.RFC3339))
	}
	for _, s := range found {
		m := sessionModel{
			ID: types.StringValue(s.ID), Active: types.BoolValue(s.Active), AAL: types.StringValue(s.AAL),
			Methods:         append([]string{}, s.Methods...),
			AuthenticatedAt: timestamp(s.AuthenticatedAt), IssuedAt: timestamp(s.IssuedAt), ExpiresAt: timestamp(s.ExpiresAt),
			Devices: []deviceModel{},
		}
		for _, dev := range s.Devices {
			ip := types.StringNull()
			if withIP {
				ip = types.StringValue(dev.IPAddress)
			}
			m.Devices = append(m.Devices, deviceModel{UserAgent: types.StringValue(dev.UserAgent), Location: types.StringValue(dev.Location), IPAddress: ip})
		}
		out = append(out, m)
	}
	return out
}

package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

// verifiableAddressModel is one element of verifiable_addresses.
type verifiableAddressModel struct {
	Value    string `tfsdk:"value"`
	Via      string `tfsdk:"via"`
	Verified bool   `tfsdk:"verified"`
	Status   string `tfsdk:"status"`
}

func verifiableAddressesOf(ctx context.Context, l types.List, diags *diag.Diagnostics) []verifiableAddressModel {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []verifiableAddressModel
	diags.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

func verifiableAddressList(addresses []verifiableAddressModel, diags *diag.Diagnostics) types.List {
	objects := make([]map[string]attr.Value, 0, len(addresses))
	for _, a := range addresses {
		objects = append(objects, map[string]attr.Value{
			"value": types.StringValue(a.Value), "via": types.StringValue(a.Via),
			"verified": types.BoolValue(a.Verified), "status": types.StringValue(a.Status),
		})
	}
	return objectList(verifiableAddressType, objects, diags)
}

func recoveryAddressList(addresses []ory.Address, diags *diag.Diagnostics) types.List {
	objects := make([]map[string]attr.Value, 0, len(addresses))
	for _, a := range addresses {
		objects = append(objects, map[string]attr.Value{"value": types.StringValue(a.Value), "via": types.StringValue(a.Via)})
	}
	return objectList(recoveryAddressType, objects, diags)
}

// addressField is one attribute of the address objects.
type addressField struct {
	name        string
	kind        attr.Type
	description string
}

// The address objects, spelled out once: their attribute types, the
// resource's schema and the data sources' schema are built from these.
var (
	verifiableAddressFields = []addressField{
		{"value", types.StringType, "The address."},
		{"via", types.StringType, "How it is verified: `email` or `sms`."},
		{"verified", types.BoolType, "Whether it is verified."},
		{"status", types.StringType, "The verification status, such as `pending` or `completed`."},
	}
	recoveryAddressFields = []addressField{
		{"value", types.StringType, "The address."},
		{"via", types.StringType, "How a recovery message reaches it."},
	}
	verifiableAddressType = addressObjectType(verifiableAddressFields)
	recoveryAddressType   = addressObjectType(recoveryAddressFields)
)

func addressObjectType(fields []addressField) types.ObjectType {
	t := types.ObjectType{AttrTypes: map[string]attr.Type{}}
	for _, f := range fields {
		t.AttrTypes[f.name] = f.kind
	}
	return t
}

// addressResourceAttributes is the resource schema of an address object.
func addressResourceAttributes(fields []addressField) map[string]rschema.Attribute {
	return addressAttributes(fields,
		func(d string) rschema.Attribute {
			return rschema.StringAttribute{Computed: true, MarkdownDescription: d}
		},
		func(d string) rschema.Attribute { return rschema.BoolAttribute{Computed: true, MarkdownDescription: d} })
}

// addressDataSourceAttributes is the data source schema of an address object.
func addressDataSourceAttributes(fields []addressField) map[string]dschema.Attribute {
	return addressAttributes(fields,
		func(d string) dschema.Attribute {
			return dschema.StringAttribute{Computed: true, MarkdownDescription: d}
		},
		func(d string) dschema.Attribute { return dschema.BoolAttribute{Computed: true, MarkdownDescription: d} })
}

// addressAttributes builds the computed attributes of fields with the
// constructors of one schema package.
func addressAttributes[A any](fields []addressField, str, boolean func(description string) A) map[string]A {
	out := map[string]A{}
	for _, f := range fields {
		if f.kind == types.BoolType {
			out[f.name] = boolean(f.description)
		} else {
			out[f.name] = str(f.description)
		}
	}
	return out
}

func containsAddress(values []string, address string) bool {
	for _, v := range values {
		if ory.SameAddress(v, address) {
			return true
		}
	}
	return false
}

// sameAddressSet compares two address sets without regard to case.
func sameAddressSet(a, b types.Set) bool {
	as, bs := stringsOf(a), stringsOf(b)
	if a.IsNull() != b.IsNull() || len(as) != len(bs) {
		return false
	}
	for _, x := range as {
		if !containsAddress(bs, x) {
			return false
		}
	}
	return true
}

func notVerifiableDetail(addresses []string, schemaID string) string {
	return fmt.Sprintf("verified_addresses lists %s, which identity schema %q does not make a verifiable address of this identity. "+
		"Only trait values that the schema marks for verification (\"ory.sh/kratos\": {\"verification\": {\"via\": \"email\"}}, or \"sms\") can be verified: "+
		"remove them from verified_addresses or change the schema.", quote.Join(addresses, strconv.Quote, ", "), schemaID)
}

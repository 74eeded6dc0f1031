package ory

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestIdentifierPathsOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		traits string // the schema's "traits" property
		want   [][]string
	}{
		{
			name:   "flat password identifier",
			traits: `{"properties": {"email": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}}}`,
			want:   [][]string{{"email"}},
		},
		{
			name: "nested objects",
			traits: `{"properties": {
				"name": {"type": "object", "properties": {
					"first": {"type": "string"},
					"login": {"type": "object", "properties": {
						"username": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}
					}}
				}},
				"contact": {"type": "object", "properties": {
					"phone": {"type": "string", "ory.sh/kratos": {"credentials": {"code": {"identifier": true, "via": "sms"}}}}
				}}
			}}`,
			want: [][]string{{"contact", "phone"}, {"name", "login", "username"}},
		},
		{
			name: "array whose items carry the extension",
			traits: `{"properties": {
				"emails": {"type": "array", "items": {"type": "string", "format": "email",
					"ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}},
				"tags": {"type": "array", "items": {"type": "string"}}
			}}`,
			want: [][]string{{"emails"}},
		},
		{
			name: "every method that makes a login identifier",
			traits: `{"properties": {
				"a_password": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
				"b_code":     {"type": "string", "ory.sh/kratos": {"credentials": {"code": {"identifier": true, "via": "email"}}}},
				"c_webauthn": {"type": "string", "ory.sh/kratos": {"credentials": {"webauthn": {"identifier": true}}}},
				"d_several":  {"type": "string", "ory.sh/kratos": {"credentials": {"passkey": {"display_name": true}, "webauthn": {"identifier": true}}}}
			}}`,
			want: [][]string{{"a_password"}, {"b_code"}, {"c_webauthn"}, {"d_several"}},
		},
		{
			name: "extensions that make no login identifier",
			traits: `{"properties": {
				"passkey_name": {"type": "string", "ory.sh/kratos": {"credentials": {"passkey": {"display_name": true}}}},
				"totp_name":    {"type": "string", "ory.sh/kratos": {"credentials": {"totp": {"account_name": true}}}},
				"off":          {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": false}}}},
				"as_text":      {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": "true"}}}},
				"verify_only":  {"type": "string", "ory.sh/kratos": {"verification": {"via": "email"}, "recovery": {"via": "email"}}},
				"plain":        {"type": "string"}
			}}`,
		},
		{name: "no properties", traits: `{"type": "object"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var schema map[string]any
			if err := json.Unmarshal([]byte(`{"type": "object", "properties": {"traits": `+tc.traits+`}}`), &schema); err != nil {
				t.Fatal(err)
			}
			if got := (&Schema{Traits: rulesOf(schema)}).identifierPaths(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("identifier paths = %q, want %q", got, tc.want)
			}
		})
	}
	for name, schema := range map[string]map[string]any{
		"empty schema":         {},
		"traits not an object": {"properties": map[string]any{"traits": "nope"}},
		"properties a list":    {"properties": map[string]any{"traits": map[string]any{"properties": []any{"email"}}}},
	} {
		if got := (&Schema{Traits: rulesOf(schema)}).identifierPaths(); got != nil {
			t.Errorf("%s: identifier paths = %q, want none", name, got)
		}
	}
}

func TestIdentifierValues(t *testing.T) {
	t.Parallel()
	traits := map[string]any{
		"email": "a@example.com",
		"name":  map[string]any{"login": map[string]any{"username": "alice"}},
		"emails": []any{
			"b@example.com", "", "   ", json.Number("42"), "a@example.com", "c@example.com", "b@example.com",
			map[string]any{"value": "d@example.com"},
		},
		"phone":   "",
		"count":   json.Number("7"),
		"flag":    true,
		"nothing": nil,
		"nested":  "not an object",
	}
	cases := []struct {
		name  string
		paths [][]string
		want  []string
	}{
		{"flat", [][]string{{"email"}}, []string{"a@example.com"}},
		{"nested", [][]string{{"name", "login", "username"}}, []string{"alice"}},
		{"array: strings in order, no empty strings, no duplicates", [][]string{{"emails"}}, []string{"b@example.com", "a@example.com", "c@example.com"}},
		{"duplicates across paths", [][]string{{"email"}, {"emails"}, {"name", "login", "username"}}, []string{"a@example.com", "b@example.com", "c@example.com", "alice"}},
		{"empty string", [][]string{{"phone"}}, nil},
		{"not strings", [][]string{{"count"}, {"flag"}, {"nothing"}}, nil},
		{"missing path", [][]string{{"username"}, {"name", "last"}}, nil},
		{"path through a string", [][]string{{"nested", "deeper"}}, nil},
		{"path through an array", [][]string{{"emails", "value"}}, nil},
		{"no paths", nil, nil},
	}
	for _, tc := range cases {
		if got := identifierValues(traits, tc.paths); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: identifierValues(%q) = %q, want %q", tc.name, tc.paths, got, tc.want)
		}
	}
	if got := identifierValues(nil, [][]string{{"email"}}); got != nil {
		t.Errorf("identifierValues(nil traits) = %q, want none", got)
	}
}

// A schema is read once per schema id and Client, however many lookups need it.
func TestLoginIdentifiersFetchSchemaOnce(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	c, _ := newTestClient(t, fk.srv.URL, "")
	ctx := context.Background()

	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		got, err := c.loginIdentifiers(ctx, "email", map[string]any{"email": email, "name": "Not An Identifier"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, []string{email}) {
			t.Errorf("identifiers = %q, want [%q]", got, email)
		}
	}
	for range 2 {
		got, err := c.loginIdentifiers(ctx, "noid", map[string]any{"name": "x"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("identifiers for noid = %q, want none", got)
		}
	}
	seen := map[string]int{}
	for _, r := range fk.requests() {
		seen[r.route+" "+r.path]++
	}
	want := map[string]int{routeSchema + " /schemas/email": 1, routeSchema + " /schemas/noid": 1}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("requests = %v, want %v", seen, want)
	}
}

func TestLoginIdentifiersUnknownSchema(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	c, _ := newTestClient(t, fk.srv.URL, "")

	_, err := c.loginIdentifiers(context.Background(), "missing", map[string]any{"email": "a@example.com"})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("err = %v, want the schema id named", err)
	}
}

func rulesOf(schema map[string]any) []TraitRule {
	rules, _ := traitRules(schema)
	return rules
}

// Where Ory's extension sits somewhere traitRules does not read (a
// definition reached by $ref, beside a $ref), derived values are left to
// apply.
func TestSchemaDerivable(t *testing.T) {
	t.Parallel()
	ext := `"ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}`
	for raw, want := range map[string]bool{
		`{"properties": {"traits": {"properties": {"email": {"type": "string", ` + ext + `}}}}}`:                                                    true,
		`{"properties": {"traits": {"properties": {"emails": {"type": "array", "items": {"type": "string", ` + ext + `}}}}}}`:                       true,
		`{"properties": {"traits": {"properties": {"name": {"type": "string"}}}}}`:                                                                  true,
		`{"definitions": {"e": {"type": "string", ` + ext + `}}, "properties": {"traits": {"properties": {"email": {"$ref": "#/definitions/e"}}}}}`: false,
		`{"properties": {"traits": {"properties": {"email": {"$ref": "#/definitions/e", ` + ext + `}}}}, "definitions": {"e": {"type": "string"}}}`: false,
		`{"properties": {"traits": {"allOf": [{"properties": {"email": {"type": "string", ` + ext + `}}}]}}}`:                                       false,
	} {
		s, err := parseSchema("x", []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if s.Derivable != want {
			t.Errorf("Derivable = %t, want %t, for %s", s.Derivable, want, raw)
		}
	}
}

package ory

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestIdentityMatches(t *testing.T) {
	t.Parallel()
	cur := &Identity{SchemaID: "email", State: "active", Traits: map[string]any{"email": "a@example.com", "n": json.Number("1")}, MetadataAdmin: map[string]any{"x": true}}
	in := InputFromIdentity(cur)
	if !cur.Matches(in) {
		t.Fatal("an identity differs from its own input")
	}
	in.Traits = map[string]any{"n": json.Number("1.0"), "email": "a@example.com"}
	if !cur.Matches(in) {
		t.Error("the same traits written differently count as a change")
	}
	in.State = ""
	if !cur.Matches(in) {
		t.Error("an empty state is not taken as active")
	}
	for name, change := range map[string]func(*IdentityInput){
		"schema":   func(i *IdentityInput) { i.SchemaID = "phone" },
		"state":    func(i *IdentityInput) { i.State = "inactive" },
		"traits":   func(i *IdentityInput) { i.Traits = map[string]any{"email": "b@example.com", "n": json.Number("1")} },
		"number":   func(i *IdentityInput) { i.Traits = map[string]any{"email": "a@example.com", "n": json.Number("2")} },
		"metadata": func(i *IdentityInput) { i.MetadataAdmin = nil },
		"public":   func(i *IdentityInput) { i.MetadataPublic = map[string]any{} },
	} {
		changed := InputFromIdentity(cur)
		change(&changed)
		if cur.Matches(changed) {
			t.Errorf("a change of %s is not seen", name)
		}
	}
}

func TestSameJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		same bool
	}{
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, true},
		{`{"n":12345678901234567891}`, `{"n":12345678901234567890}`, false},
		{`{"n":9007199254740993}`, `{"n":9007199254740992}`, false},
		{`{"n":1.50}`, `{"n":1.5}`, true},
		{`{"n":1e2}`, `{"n":100}`, true},
		{`{"n":0.1}`, `{"n":0.10000000000000001}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`{"a":null}`, `{}`, false},
		{`{"s":"ü"}`, `{"s":"\u00fc"}`, true},
		{`{"a":{"b":[{"c":true}]}}`, `{"a":{"b":[{"c":false}]}}`, false},
		{`{"a":"1"}`, `{"a":1}`, false},
	}
	for _, tc := range cases {
		if got := SameJSON(decode(t, tc.a), decode(t, tc.b)); got != tc.same {
			t.Errorf("SameJSON(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
	if !SameJSON(nil, nil) || SameJSON(nil, map[string]any{}) {
		t.Error("null handling")
	}
}

// An identity's traits and metadata come back exactly as Kratos sent them:
// no float64 between the body and the Identity.
func TestIdentityFromResponseKeepsNumbersExact(t *testing.T) {
	t.Parallel()
	body := `{"id":"x","schema_id":"email","state":"inactive","created_at":"2026-11-27T14:46:35.249006Z",
		"traits":{"email":"a@example.com","employee":12345678901234567890123,"ratio":0.1000000000000000055511151231257827,"nested":[[1,2],[3.25]],"name":"Zoë 😀"},
		"metadata_admin":{"account":9007199254740993},
		"credentials":{"password":{"config":{"hashed_password":"$2a$04$abc"}},"oidc":{"config":{"providers":[]}}}}`
	resp := &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body))}
	var w wireIdentity
	if err := decodeBody(resp, &w); err != nil {
		t.Fatal(err)
	}
	got := w.identity()
	b, _ := json.Marshal(got.Traits)
	want := `{"email":"a@example.com","employee":12345678901234567890123,"name":"Zoë 😀","nested":[[1,2],[3.25]],"ratio":0.1000000000000000055511151231257827}`
	if string(b) != want {
		t.Errorf("traits = %s\nwant     %s", b, want)
	}
	if b, _ := json.Marshal(got.MetadataAdmin); string(b) != `{"account":9007199254740993}` {
		t.Errorf("metadata_admin = %s", b)
	}
	if got.State != StateInactive || got.CreatedAt.IsZero() || got.MetadataPublic != nil {
		t.Errorf("state %q, created_at %v, metadata_public %v", got.State, got.CreatedAt, got.MetadataPublic)
	}
	if !strings.HasPrefix(got.PasswordFingerprint, "sha256:") || strings.Contains(got.PasswordFingerprint, "abc") {
		t.Errorf("password fingerprint = %q", got.PasswordFingerprint)
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

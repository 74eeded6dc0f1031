package ory

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

func TestServerVersionSupports(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v                ServerVersion
		supported, known bool
		name             string
	}{
		{ServerVersion{Release: "v1.3.1"}, false, true, "Kratos v1.3.1"},
		{ServerVersion{Release: "v25.3.9"}, false, true, "Kratos v25.3.9"},
		{ServerVersion{Release: "v25.4.0"}, true, true, "Kratos v25.4.0"},
		{ServerVersion{Release: "26.2.0"}, true, true, "Kratos 26.2.0"},
		{ServerVersion{Release: "v26.2.0-pre.1"}, true, true, "Kratos v26.2.0-pre.1"},
		{ServerVersion{Release: "master", line: line25}, true, true, `Kratos v25.4.0 or later (it reports version "master")`},
		{ServerVersion{Release: "master", line: lineBefore25}, false, true, `a Kratos older than v25.4.0 (it reports version "master")`},
		{ServerVersion{Release: "master"}, false, false, `an unknown Kratos release (it reports version "master")`},
		{ServerVersion{}, false, false, `an unknown Kratos release (it reports version "")`},
	} {
		supported, known := c.v.Supports(FeatureExternalID)
		if supported != c.supported || known != c.known {
			t.Errorf("%+v.Supports = %v, %v; want %v, %v", c.v, supported, known, c.supported, c.known)
		}
		if got := c.v.String(); got != c.name {
			t.Errorf("%+v.String() = %q, want %q", c.v, got, c.name)
		}
		err := c.v.Require(FeatureExternalID)
		var unsupported *UnsupportedError
		if lacks := c.known && !c.supported; lacks != errors.As(err, &unsupported) {
			t.Errorf("%+v.Require = %v; want an *UnsupportedError: %v", c.v, err, lacks)
		}
		if err != nil && !strings.Contains(err.Error(), "external_id needs Ory Kratos v25.4.0 or later; this server runs "+c.name) {
			t.Errorf("%+v.Require = %q: does not name the feature, the release it needs and the server's", c.v, err)
		}
	}
}

// The version learned from the running Kratos (either line; the build may
// report "master") is known, and right: external_id is accepted exactly
// when it says so.
func TestAccServerVersionMatchesServer(t *testing.T) {
	c, counter := countingKratosClient(t)
	ctx := context.Background()
	v := c.ServerVersion(ctx)
	supported, known := v.Supports(FeatureExternalID)
	if !known {
		t.Fatalf("ServerVersion = %s: unknown", v)
	}
	if again := c.ServerVersion(ctx); again != v || counter.count("GET /admin/version") != 1 {
		t.Errorf("second ServerVersion = %s after %d calls of GET /admin/version; want %s from one call", again, counter.count("GET /admin/version"), v)
	}
	body := map[string]any{"schema_id": "email", "traits": map[string]any{"email": acctest.RandomEmail()}, "external_id": "probe-" + acctest.RandomUsername()}
	var created struct {
		ID string `json:"id"`
	}
	_, err := c.do(ctx, http.MethodPost, "/admin/identities", nil, body, &created)
	if supported != (err == nil) {
		t.Fatalf("ServerVersion = %s, but creating an identity with external_id: %v", v, err)
	}
	if err == nil {
		if err := c.DeleteIdentity(ctx, created.ID); err != nil {
			t.Fatal(err)
		}
	}
}

package ory

import "testing"

func TestBucketOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, path string
		want         Bucket
	}{
		{"GET", "/admin/identities/abc", BucketAdminHigh},
		{"GET", "/admin/sessions/abc", BucketAdminHigh},
		{"GET", "/admin/identities", BucketAdminMedium},
		{"GET", "/admin/identities/abc/sessions", BucketAdminMedium},
		{"GET", "/schemas", BucketAdminMedium},
		{"GET", "/schemas/email", BucketAdminMedium},
		{"POST", "/admin/identities", BucketAdminLow},
		{"PATCH", "/admin/identities", BucketAdminLow},
		{"PUT", "/admin/identities/abc", BucketAdminLow},
		{"DELETE", "/admin/identities/abc/credentials/oidc", BucketAdminLow},
		{"DELETE", "/admin/identities/abc/sessions", BucketAdminLow},
		{"POST", "/admin/recovery/code", BucketAdminLow},
		{"GET", "/self-service/login/api", ""},
		{"POST", "/self-service/login", ""},
	} {
		if got := BucketOf(tc.method, tc.path); got != tc.want {
			t.Errorf("BucketOf(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestOneAtATime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, path string
		want         bool
	}{
		{"POST", "/admin/identities", true},
		{"PATCH", "/admin/identities", true},
		{"PUT", "/admin/identities/abc", true},
		{"PATCH", "/admin/identities/abc", true},
		{"DELETE", "/admin/identities/abc", true},
		{"DELETE", "/admin/identities/abc/credentials/password", true},
		{"DELETE", "/admin/identities/abc/sessions", true},
		{"GET", "/admin/identities", false},
		{"GET", "/admin/identities/abc", false},
		{"POST", "/admin/recovery/code", false},
	} {
		if got := OneAtATime(tc.method, tc.path); got != tc.want {
			t.Errorf("OneAtATime(%s %s) = %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestTierNamed(t *testing.T) {
	t.Parallel()
	tier, ok := TierNamed("Production")
	if !ok || tier.Limits[BucketAdminLow] != (Limit{175, 8}) {
		t.Fatalf("TierNamed(Production) = %+v, %v", tier, ok)
	}
	if _, ok := TierNamed("gold"); ok {
		t.Fatal("TierNamed(gold) found a tier")
	}
	for _, tier := range Tiers {
		for _, b := range Buckets {
			if l := tier.Limits[b]; l.PerMinute <= 0 || l.PerSecond <= 0 {
				t.Errorf("tier %s has no limit for %s", tier.Name, b)
			}
		}
	}
}

package ory

import (
	"net/http"
	"strings"
)

// Ory Network's edge counts each admin call against one project bucket
// (Ory's docs: "Endpoint rate limits"; ory/docs src/lib/rate-limits/data/).
// The client paces itself per bucket, and the test harness simulates the
// edge from the same table.

// Bucket names a rate-limit bucket of the Kratos admin API on Ory Network.
type Bucket string

// The buckets of the Kratos admin API.
const (
	BucketAdminHigh   Bucket = "kratos-admin-high"
	BucketAdminMedium Bucket = "kratos-admin-medium"
	BucketAdminLow    Bucket = "kratos-admin-low"
)

// Buckets lists the buckets in a stable order.
var Buckets = []Bucket{BucketAdminHigh, BucketAdminMedium, BucketAdminLow}

// Limit is one bucket's allowance: requests per minute and per second.
type Limit struct {
	PerMinute int
	PerSecond int
}

// Tier is a plan of Ory Network and the allowance of each bucket.
type Tier struct {
	Name   string
	Limits map[Bucket]Limit
}

// Tiers are Ory Network's plans, production environments first, then the
// non-production environments of paid plans.
var Tiers = []Tier{
	{"develop", map[Bucket]Limit{BucketAdminHigh: {40, 5}, BucketAdminMedium: {25, 5}, BucketAdminLow: {80, 5}}},
	{"production", map[Bucket]Limit{BucketAdminHigh: {80, 5}, BucketAdminMedium: {90, 5}, BucketAdminLow: {175, 8}}},
	{"growth", map[Bucket]Limit{BucketAdminHigh: {550, 23}, BucketAdminMedium: {200, 9}, BucketAdminLow: {425, 18}}},
	{"enterprise", map[Bucket]Limit{BucketAdminHigh: {1100, 45}, BucketAdminMedium: {400, 17}, BucketAdminLow: {850, 35}}},
	{"non-production", map[Bucket]Limit{BucketAdminHigh: {80, 5}, BucketAdminMedium: {60, 5}, BucketAdminLow: {175, 8}}},
}

// TierNamed returns the tier called name (case-insensitive).
func TierNamed(name string) (Tier, bool) {
	for _, t := range Tiers {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return Tier{}, false
}

// TierNames lists the tiers' names in order.
func TierNames() []string {
	names := make([]string, len(Tiers))
	for i, t := range Tiers {
		names[i] = t.Name
	}
	return names
}

// BucketOf says which bucket a call counts against; "" for calls outside
// the admin buckets (the public API's flows).
func BucketOf(method, path string) Bucket {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case method != http.MethodGet && method != http.MethodHead:
		if parts[0] == "admin" {
			return BucketAdminLow
		}
	case parts[0] == "schemas":
		return BucketAdminMedium
	case len(parts) == 3 && parts[0] == "admin" && (parts[1] == "identities" || parts[1] == "sessions"):
		return BucketAdminHigh
	case len(parts) >= 2 && parts[0] == "admin" && (parts[1] == "identities" || parts[1] == "sessions"):
		// Lists: identities, sessions, an identity's sessions.
		return BucketAdminMedium
	}
	return ""
}

// OneAtATime reports whether the edge lets requests with this method and
// path through only one at a time per project (its inflight rule): the
// identity writes, credential deletes and session revocations.
func OneAtATime(method, path string) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 2 || parts[0] != "admin" || parts[1] != "identities" {
		return false
	}
	switch len(parts) {
	case 2:
		return method == http.MethodPost || method == http.MethodPatch
	case 3:
		return method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
	case 4:
		return method == http.MethodDelete && parts[3] == "sessions"
	case 5:
		return method == http.MethodDelete && parts[3] == "credentials"
	}
	return false
}

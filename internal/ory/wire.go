package ory

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// wireIdentity is an identity as the API sends it. Answers are decoded from
// the raw body with exact numbers: client-go's models hold traits and
// metadata as float64, which loses integers beyond 2^53.
type wireIdentity struct {
	ID                  string    `json:"id"`
	SchemaID            string    `json:"schema_id"`
	State               string    `json:"state"`
	Traits              any       `json:"traits"`
	MetadataPublic      any       `json:"metadata_public"`
	MetadataAdmin       any       `json:"metadata_admin"`
	ExternalID          *string   `json:"external_id"`
	OrganizationID      *string   `json:"organization_id"`
	CreatedAt           time.Time `json:"created_at"`
	VerifiableAddresses []struct {
		Value    string `json:"value"`
		Via      string `json:"via"`
		Verified bool   `json:"verified"`
		Status   string `json:"status"`
	} `json:"verifiable_addresses"`
	RecoveryAddresses []struct {
		Value string `json:"value"`
		Via   string `json:"via"`
	} `json:"recovery_addresses"`
	Credentials map[string]struct {
		Identifiers []string `json:"identifiers"`
		Config      struct {
			HashedPassword string `json:"hashed_password"`
		} `json:"config"`
	} `json:"credentials"`
}

// IdentifierMethods are the credential methods whose identifiers come from
// traits: the values that log in with a password, a code or a security key.
var IdentifierMethods = []string{"code", "password", "webauthn"}

// decodeBody decodes the JSON body of a successful answer into v, keeping
// numbers exact.
func decodeBody(resp *http.Response, v any) error {
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("unexpected answer from the Ory API (HTTP %d): %w", resp.StatusCode, err)
	}
	return nil
}

// identity maps the wire form to Identity: the one place that reads the API's
// identity shape.
func (w *wireIdentity) identity() *Identity {
	out := &Identity{
		ID:             w.ID,
		SchemaID:       w.SchemaID,
		State:          w.State,
		Traits:         w.Traits,
		MetadataPublic: w.MetadataPublic,
		MetadataAdmin:  w.MetadataAdmin,
		ExternalID:     w.ExternalID,
		OrganizationID: w.OrganizationID,
		CreatedAt:      w.CreatedAt,
	}
	if out.State == "" {
		out.State = StateActive
	}
	for _, a := range w.VerifiableAddresses {
		out.VerifiableAddresses = append(out.VerifiableAddresses, VerifiableAddress{
			Value: a.Value, Via: a.Via, Verified: a.Verified, Status: a.Status,
		})
	}
	for _, a := range w.RecoveryAddresses {
		out.RecoveryAddresses = append(out.RecoveryAddresses, Address{Value: a.Value, Via: a.Via})
	}
	if p, ok := w.Credentials["password"]; ok && p.Config.HashedPassword != "" {
		sum := sha256.Sum256([]byte(p.Config.HashedPassword))
		out.PasswordFingerprint = "sha256:" + hex.EncodeToString(sum[:])
	}
	ids := map[string]bool{}
	for _, method := range IdentifierMethods {
		for _, id := range w.Credentials[method].Identifiers {
			// A create's answer has them lower-cased but not yet trimmed.
			ids[strings.TrimSpace(id)] = true
		}
	}
	out.Identifiers = slices.Sorted(maps.Keys(ids))
	out.OIDCLinks = slices.Sorted(slices.Values(w.Credentials[credentialsOIDC].Identifiers))
	return out
}

// SameJSON compares two decoded JSON values by meaning: objects without
// regard to key order, numbers by exact value (1.50 equals 1.5, and
// 12345678901234567891 differs from 12345678901234567890).
func SameJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !SameJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !SameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number, float64, int, int64:
		ra, okA := ratOf(a)
		rb, okB := ratOf(b)
		return okA && okB && ra.Cmp(rb) == 0
	default:
		return a == b
	}
}

// ratOf returns a JSON number as an exact rational.
func ratOf(v any) (*big.Rat, bool) {
	var s string
	switch n := v.(type) {
	case json.Number:
		s = n.String()
	case float64:
		return new(big.Rat).SetFloat64(n), true
	case int:
		return big.NewRat(int64(n), 1), true
	case int64:
		return big.NewRat(n, 1), true
	default:
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// sortedKeys returns the keys of m in order, for stable walks.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package ory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Kratos's release lines differ in what the admin API does: the line of
// v1.3.1 (2024) and the one Ory Network runs (v25.4.0 and later). The client
// learns once which one it talks to, so that a feature of the newer line
// fails at plan, naming the release it needs, instead of with a 400 at apply.

// Feature is something only newer Kratos releases do.
type Feature struct {
	// Name says what it is, in errors.
	Name string
	// Since is the first Kratos release that has it.
	Since string
}

// The features of the v25.4.0 line (Kratos's CHANGELOG: 25.4.0).
var (
	FeatureExternalID     = Feature{Name: "external_id", Since: "v25.4.0"}
	FeatureOrganizationID = Feature{Name: "organization_id", Since: "v25.4.0"}
	// FeatureDeletePassword: older releases refuse to delete any password
	// credential; newer ones refuse only an identity's last first factor.
	FeatureDeletePassword = Feature{Name: "deleting a password credential", Since: "v25.4.0"}
	// FeatureKeepsLastFirstFactor: newer releases refuse to remove an
	// identity's only way to log in, such as its only OIDC link
	// (ErrLastFirstFactor).
	FeatureKeepsLastFirstFactor = Feature{Name: "keeping an identity's last first-factor credential", Since: "v25.4.0"}
)

// ServerVersion is the Kratos release the API runs, as far as it says.
type ServerVersion struct {
	// Release is what GET /admin/version answered, such as "v26.2.0" or
	// "master" (a build whose version was not set); "" when it answered
	// nothing usable.
	Release string
	// line is what the probe found when Release names no release.
	line releaseLine
}

// releaseLine is the answer of the probe: whether the server has the
// routes of the v25.4.0 line.
type releaseLine int

const (
	lineUnknown releaseLine = iota
	lineBefore25
	line25
)

// line25Since is the first release of the line the probe recognises; every
// Feature is of that line.
const line25Since = "v25.4.0"

// releasePattern matches a release version: v1.3.1, 26.2.0, v26.2.0-pre.1.
var releasePattern = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)`)

// numbers returns the release's major, minor and patch, or ok=false when
// Release names no release.
func (v ServerVersion) numbers() (n [3]int, ok bool) {
	m := releasePattern.FindStringSubmatch(v.Release)
	if m == nil {
		return n, false
	}
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return n, true
}

// Supports reports whether the server has f: yes, no, or unknown (known
// false) when it names no release, as a source build and, possibly, Ory
// Network do. Callers let the server decide what is unknown.
func (v ServerVersion) Supports(f Feature) (supported, known bool) {
	have, ok := v.numbers()
	if !ok {
		return v.line == line25, v.line != lineUnknown
	}
	want, _ := ServerVersion{Release: f.Since}.numbers()
	for i := range have {
		if have[i] != want[i] {
			return have[i] > want[i], true
		}
	}
	return true, true
}

// Lacks reports whether the server is known not to have f.
func (v ServerVersion) Lacks(f Feature) bool {
	supported, known := v.Supports(f)
	return known && !supported
}

// UnsupportedError says that the server's release lacks a feature.
type UnsupportedError struct {
	Feature Feature
	Release string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s needs Ory Kratos %s or later; this server runs %s", e.Feature.Name, e.Feature.Since, e.Release)
}

// String names the release for people: the one the server reported, or
// what the probe found.
func (v ServerVersion) String() string {
	if _, ok := v.numbers(); ok {
		return "Kratos " + v.Release
	}
	switch v.line {
	case lineBefore25:
		return fmt.Sprintf("a Kratos older than %s (it reports version %q)", line25Since, v.Release)
	case line25:
		return fmt.Sprintf("Kratos %s or later (it reports version %q)", line25Since, v.Release)
	}
	return fmt.Sprintf("an unknown Kratos release (it reports version %q)", v.Release)
}

// Require returns an *UnsupportedError when the server is known to lack f,
// and nil when it has it or may have it.
func (v ServerVersion) Require(f Feature) error {
	if v.Lacks(f) {
		return &UnsupportedError{Feature: f, Release: v.String()}
	}
	return nil
}

// serverVersionCache holds the version once learned.
type serverVersionCache struct {
	mu      sync.Mutex
	learned bool
	version ServerVersion
}

// ServerVersion returns the release the server runs, asked once per
// client. When GET /admin/version names no release, a probe finds the line:
// a lookup by external id of an identity nobody has. A failed call is an
// unknown release, asked again next time.
func (c *Client) ServerVersion(ctx context.Context) ServerVersion {
	c.version.mu.Lock()
	defer c.version.mu.Unlock()
	if c.version.learned {
		return c.version.version
	}
	var out struct {
		Version string `json:"version"`
	}
	_, err := c.do(ctx, http.MethodGet, "/admin/version", nil, nil, &out)
	var apiErr *APIError
	if err != nil && !errors.As(err, &apiErr) {
		return ServerVersion{}
	}
	v := ServerVersion{Release: strings.TrimSpace(out.Version)}
	if _, ok := v.numbers(); !ok {
		line, err := c.probeLine(ctx)
		if err != nil {
			return v
		}
		v.line = line
	}
	c.version.learned = true
	c.version.version = v
	return v
}

// probeLine looks up an external id nobody has (an identity that had it
// would be a 200, which also says the route exists). Kratos v25.4.0 and later
// answer with their JSON 404; older releases have no such route, and their
// router's 404 is plain text.
func (c *Client) probeLine(ctx context.Context) (releaseLine, error) {
	_, err := c.do(ctx, http.MethodGet, "/admin/identities/by/external/terraform-provider-ory-version-probe", nil, nil, nil)
	var apiErr *APIError
	switch {
	case err == nil:
		return line25, nil
	case !errors.As(err, &apiErr):
		return lineUnknown, err
	case !errors.Is(apiErr.Kind, ErrNotFound):
		return lineUnknown, nil
	case apiErr.Reason == routerNotFound:
		return lineBefore25, nil
	}
	return line25, nil
}

// routerNotFound is the body of the 404 Kratos's router answers for a
// route it does not have.
const routerNotFound = "404 page not found"

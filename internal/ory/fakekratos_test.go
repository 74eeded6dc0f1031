package ory

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeKratos is an in-memory stand-in for the identity endpoints of the
// Kratos admin API, with a fault plan that scripts what Kratos can not be
// made to do on demand: lose an answer after or before applying a write,
// answer as a gateway or as an overloaded server. How Kratos itself behaves
// is tested against Kratos (internal/acctest).
type fakeKratos struct {
	t   *testing.T
	srv *httptest.Server
	// plan decides the fault for the n-th request (from 1) of a route.
	plan func(route string, n int) fault
	// skew is how far the server's clock is ahead of ours.
	skew time.Duration
	// hideNew is the number of lookups by identifier that do not yet see an
	// identity after its creation (a read replica lagging behind).
	hideNew int
	// batchKeepsOthers makes a batch with a conflict keep its other
	// identities, as Kratos after v1.3.1 does.
	batchKeepsOthers bool
	// arrive, when set, runs as each request arrives, before it is
	// handled: tests hold a request in flight with it.
	arrive func(route string)

	mu         sync.Mutex
	identities map[string]*fakeIdentity
	counts     map[string]int
	log        []fakeRequest
	seq        int
}

type fakeRequest struct {
	route, method, path, query string
	// status is what the fake answered; 0 when it dropped the connection.
	status int
}

type fakeIdentity struct {
	id, schemaID, state string
	traits              map[string]any
	metadataPublic      any
	metadataAdmin       any
	createdAt           time.Time
	hash                string
	addresses           []map[string]any
	hiddenFor           int
	// oidc are the identifiers ("provider:subject") of its OIDC links.
	oidc []string
}

// Routes, as the fault plan and the counters name them.
const (
	routeCreate = "POST /admin/identities"
	routeBatch  = "PATCH /admin/identities"
	routeList   = "GET /admin/identities"
	routeGet    = "GET /admin/identities/{id}"
	routePut    = "PUT /admin/identities/{id}"
	routePatch  = "PATCH /admin/identities/{id}"
	routeDelete = "DELETE /admin/identities/{id}"
	routeSchema = "GET /schemas/{id}"
	routeUnlink = "DELETE /admin/identities/{id}/credentials/oidc"
)

// fault is what goes wrong with one request; the zero fault is none.
type fault struct {
	// applyFirst makes the change before the fault strikes.
	applyFirst bool
	// drop closes the connection without an answer.
	drop bool
	// cut sends the status line and half the body, then closes.
	cut bool
	// status answers instead of the real answer, with header (name, value, ...).
	status int
	header []string
}

var (
	noFault         = fault{}
	dropAfter       = fault{applyFirst: true, drop: true}
	dropBefore      = fault{drop: true}
	cutAfter        = fault{applyFirst: true, cut: true}
	gateway504After = fault{applyFirst: true, status: http.StatusGatewayTimeout}
	gateway502      = fault{status: http.StatusBadGateway}
	unavailable503  = fault{status: http.StatusServiceUnavailable}
)

func rateLimited(header ...string) fault {
	return fault{status: http.StatusTooManyRequests, header: header}
}

// faultsOn gives route's requests the faults in turn, and every other
// request none.
func faultsOn(route string, faults ...fault) func(string, int) fault {
	return func(r string, n int) fault {
		if r == route && n <= len(faults) {
			return faults[n-1]
		}
		return noFault
	}
}

// fakeSchemas are the identity schemas the fake serves: "email" makes its
// email trait a password identifier, "noid" has no identifier at all.
var fakeSchemas = map[string][]byte{
	"email": []byte(`{
  "$id": "https://example.com/email.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {
          "type": "string",
          "format": "email",
          "ory.sh/kratos": {
            "credentials": {"password": {"identifier": true}},
            "verification": {"via": "email"}
          }
        },
        "name": {"type": "string"}
      },
      "required": ["email"]
    }
  }
}`),
	// "remote" takes its traits from another document, which the provider
	// does not load: it can not derive what Kratos does.
	"remote": []byte(`{
  "$id": "https://example.com/remote.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {"traits": {"$ref": "https://example.com/traits.schema.json"}}
}`),
	"noid": []byte(`{
  "$id": "https://example.com/noid.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {"name": {"type": "string"}}
    }
  }
}`),
}

func newFakeKratos(t *testing.T) *fakeKratos {
	t.Helper()
	fk := &fakeKratos{t: t, identities: map[string]*fakeIdentity{}, counts: map[string]int{}}
	fk.srv = httptest.NewServer(http.HandlerFunc(fk.serve))
	t.Cleanup(fk.srv.Close)
	return fk
}

// fakeWithFaults starts a fake Kratos whose requests fail as plan says (nil
// for none) and a client on it that records its waits instead of sleeping.
func fakeWithFaults(t *testing.T, plan func(route string, n int) fault) (*fakeKratos, *Client, *sleeps) {
	t.Helper()
	fk := newFakeKratos(t)
	fk.plan = plan
	c, slept := newTestClient(t, fk.srv.URL, "")
	return fk, c, slept
}

func (fk *fakeKratos) now() time.Time { return time.Now().Add(fk.skew) }

// seed stores an identity as if created at createdAt (by the server's clock).
func (fk *fakeKratos) seed(traits map[string]any, createdAt time.Time) string {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	i := fk.newIdentity("email", traits)
	i.createdAt = createdAt
	return i.id
}

// seedOld stores an identity with this email, created an hour ago.
func (fk *fakeKratos) seedOld(email string) string {
	return fk.seed(map[string]any{"email": email}, time.Now().Add(-time.Hour))
}

// newIdentity stores a new identity; fk.mu is held.
func (fk *fakeKratos) newIdentity(schemaID string, traits map[string]any) *fakeIdentity {
	fk.seq++
	i := &fakeIdentity{
		id:        fmt.Sprintf("00000000-0000-4000-8000-%012d", fk.seq),
		schemaID:  schemaID,
		state:     StateActive,
		traits:    traits,
		createdAt: fk.now(),
		hiddenFor: fk.hideNew,
	}
	if email, ok := traits["email"].(string); ok && schemaID == "email" {
		i.addresses = []map[string]any{{"value": strings.ToLower(email), "via": "email", "verified": false, "status": "pending"}}
	}
	fk.identities[i.id] = i
	return i
}

func (fk *fakeKratos) count(route string) int {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	return fk.counts[route]
}

func (fk *fakeKratos) requests() []fakeRequest {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	return append([]fakeRequest(nil), fk.log...)
}

// routes lists the routes of the requests in order.
func (fk *fakeKratos) routes() []string {
	var out []string
	for _, r := range fk.requests() {
		out = append(out, r.route)
	}
	return out
}

func (fk *fakeKratos) hash(id string) string {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	if i := fk.identities[id]; i != nil {
		return i.hash
	}
	return ""
}

func (fk *fakeKratos) traits(id string) map[string]any {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	if i := fk.identities[id]; i != nil {
		return i.traits
	}
	return nil
}

// wantOnly checks that the fake holds exactly the identities ids.
func (fk *fakeKratos) wantOnly(t *testing.T, ids ...string) {
	t.Helper()
	fk.mu.Lock()
	defer fk.mu.Unlock()
	var have []string
	for id := range fk.identities {
		have = append(have, id)
	}
	sort.Strings(have)
	sort.Strings(ids)
	if strings.Join(have, ",") != strings.Join(ids, ",") {
		t.Errorf("identities stored = %v, want %v", have, ids)
	}
}

func routeOf(r *http.Request) (route, id string) {
	path := r.URL.Path
	switch {
	case path == "/admin/identities":
		return r.Method + " /admin/identities", ""
	case strings.HasPrefix(path, "/admin/identities/") && strings.HasSuffix(path, "/credentials/oidc"):
		return r.Method + " /admin/identities/{id}/credentials/oidc", strings.TrimSuffix(strings.TrimPrefix(path, "/admin/identities/"), "/credentials/oidc")
	case strings.HasPrefix(path, "/admin/identities/"):
		return r.Method + " /admin/identities/{id}", strings.TrimPrefix(path, "/admin/identities/")
	case strings.HasPrefix(path, "/schemas/"):
		return r.Method + " /schemas/{id}", strings.TrimPrefix(path, "/schemas/")
	}
	return r.Method + " " + path, ""
}

func (fk *fakeKratos) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	route, id := routeOf(r)
	if fk.arrive != nil {
		fk.arrive(route)
	}
	fk.mu.Lock()
	fk.counts[route]++
	f := noFault
	if fk.plan != nil {
		f = fk.plan(route, fk.counts[route])
	}
	req := fakeRequest{route: route, method: r.Method, path: r.URL.Path, query: r.URL.RawQuery}
	var code int
	var answer []byte
	if f.applyFirst || (!f.drop && f.status == 0) {
		code, answer = fk.apply(route, id, r.URL.Query(), body)
	}
	switch {
	case f.drop:
		req.status = 0
	case f.status != 0:
		req.status = f.status
	default:
		req.status = code
	}
	fk.log = append(fk.log, req)
	fk.mu.Unlock()

	w.Header().Set("Date", fk.now().UTC().Format(http.TimeFormat))
	switch {
	case f.drop:
		hijackAndClose(w)
	case f.status != 0:
		for i := 0; i+1 < len(f.header); i += 2 {
			w.Header().Set(f.header[i], f.header[i+1])
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.status)
		_, _ = fmt.Fprintf(w, "<html><body>%d %s</body></html>", f.status, http.StatusText(f.status))
	case f.cut:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(code)
		_, _ = w.Write(answer[:len(answer)/2])
		w.(http.Flusher).Flush()
		hijackAndClose(w)
	default:
		if len(answer) > 0 {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		_, _ = w.Write(answer)
	}
}

func hijackAndClose(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func kratosError(code int, message string) (int, []byte) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": code, "status": http.StatusText(code), "message": message,
	}})
	return code, b
}

// fakeCall is a request as the route handlers see it.
type fakeCall struct {
	query map[string][]string
	body  []byte
	// in is the body when it is a JSON object (numbers as json.Number).
	in map[string]any
}

// first is the first value of the query parameter name, or "".
func (c fakeCall) first(name string) string {
	if v := c.query[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (c fakeCall) withPassword() bool {
	return slices.Contains(c.query["include_credential"], "password")
}

// apply carries out a request; fk.mu is held.
func (fk *fakeKratos) apply(route, id string, query map[string][]string, body []byte) (int, []byte) {
	c := fakeCall{query: query, body: body}
	if len(body) > 0 {
		var decoded any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&decoded); err != nil {
			return kratosError(http.StatusBadRequest, "the request body is not JSON")
		}
		c.in, _ = decoded.(map[string]any)
	}
	switch route {
	case routeSchema:
		return fk.getSchema(id)
	case routeList:
		return fk.listIdentities(c)
	case routeCreate:
		return fk.createIdentity(c)
	case routeBatch:
		return fk.batch(c.in)
	}

	i := fk.identities[id]
	if i == nil {
		return kratosError(http.StatusNotFound, "Unable to locate the resource")
	}
	switch route {
	case routeGet:
		return encode(http.StatusOK, fk.wire(i, c.withPassword()))
	case routePut:
		return fk.putIdentity(i, c)
	case routePatch:
		return fk.patchIdentity(i, c)
	case routeDelete:
		delete(fk.identities, id)
		return http.StatusNoContent, nil
	case routeUnlink:
		return fk.unlinkOIDC(i, c)
	}
	return kratosError(http.StatusNotFound, "no such route")
}

func (fk *fakeKratos) getSchema(id string) (int, []byte) {
	s, ok := fakeSchemas[id]
	if !ok {
		return kratosError(http.StatusNotFound, "Unable to locate the resource")
	}
	return http.StatusOK, s
}

// listIdentities filters by credentials_identifier (an email or an OIDC
// identifier) and ids, and leaves out identities still hidden from lookups.
func (fk *fakeKratos) listIdentities(c fakeCall) (int, []byte) {
	want := c.first("credentials_identifier")
	ids := c.query["ids"]
	out := []map[string]any{}
	for _, i := range fk.sorted() {
		email, _ := i.traits["email"].(string)
		if want != "" && !strings.EqualFold(email, want) && !slices.Contains(i.oidc, want) {
			continue
		}
		if len(ids) > 0 && !slices.Contains(ids, i.id) {
			continue
		}
		if i.hiddenFor > 0 {
			i.hiddenFor--
			continue
		}
		out = append(out, fk.wire(i, c.withPassword()))
	}
	return encode(http.StatusOK, out)
}

// createIdentity refuses a state Kratos does not know and an email another
// identity has, as Kratos does.
func (fk *fakeKratos) createIdentity(c fakeCall) (int, []byte) {
	if s, ok := c.in["state"].(string); ok && !slices.Contains(States, s) {
		return kratosError(http.StatusBadRequest, "identity state is not valid")
	}
	i, code, message := fk.create(c.in)
	if i == nil {
		return kratosError(code, message)
	}
	return encode(http.StatusCreated, fk.wire(i, false))
}

// create stores the identity of a create body, or says why not (status
// and message); fk.mu is held.
func (fk *fakeKratos) create(in map[string]any) (*fakeIdentity, int, string) {
	schemaID, _ := in["schema_id"].(string)
	traits, _ := in["traits"].(map[string]any)
	if _, ok := fakeSchemas[schemaID]; !ok || traits == nil {
		return nil, http.StatusBadRequest, "unknown schema or no traits"
	}
	if email, ok := traits["email"].(string); ok {
		for _, other := range fk.identities {
			if o, _ := other.traits["email"].(string); strings.EqualFold(o, email) {
				return nil, http.StatusConflict, "This identity conflicts with another identity that already exists."
			}
		}
	}
	i := fk.newIdentity(schemaID, traits)
	if s, ok := in["state"].(string); ok {
		i.state = s
	}
	i.metadataPublic, i.metadataAdmin = in["metadata_public"], in["metadata_admin"]
	fk.setCredentials(i, in)
	return i, 0, ""
}

// batch carries out PATCH /admin/identities as Kratos v1.3.1 does: a state
// it does not know refuses the whole batch; an item that is invalid fails
// alone, with a generic reason; an item that conflicts fails and rolls back
// the others, which are answered as created all the same; fk.mu is held.
func (fk *fakeKratos) batch(in map[string]any) (int, []byte) {
	patches, _ := in["identities"].([]any)
	var creates []map[string]any
	for _, p := range patches {
		c, _ := p.(map[string]any)["create"].(map[string]any)
		if s, ok := c["state"].(string); ok && !slices.Contains(States, s) {
			return kratosError(http.StatusBadRequest, "identity state is not valid")
		}
		creates = append(creates, c)
	}
	results := []map[string]any{}
	var stored []string
	conflict := false
	for _, c := range creates {
		i, code, message := fk.create(c)
		conflict = conflict || code == http.StatusConflict
		switch {
		case i != nil:
			stored = append(stored, i.id)
			results = append(results, map[string]any{"action": "create", "identity": i.id})
		case code == http.StatusBadRequest:
			message = "The request was malformed or contained invalid parameters"
			fallthrough
		default:
			results = append(results, map[string]any{"action": "error", "error": map[string]any{
				"code": code, "status": http.StatusText(code), "message": message,
			}})
		}
	}
	if conflict && !fk.batchKeepsOthers {
		for _, id := range stored {
			delete(fk.identities, id)
		}
	}
	return encode(http.StatusOK, map[string]any{"identities": results})
}

func (fk *fakeKratos) putIdentity(i *fakeIdentity, c fakeCall) (int, []byte) {
	i.schemaID, _ = c.in["schema_id"].(string)
	i.traits, _ = c.in["traits"].(map[string]any)
	i.state, _ = c.in["state"].(string)
	i.metadataPublic, i.metadataAdmin = c.in["metadata_public"], c.in["metadata_admin"]
	if !fk.importOIDC(i, c.in) {
		return kratosError(http.StatusConflict, "Unable to insert or update resource because a resource with that value exists already")
	}
	fk.setCredentials(i, c.in)
	return encode(http.StatusOK, fk.wire(i, false))
}

// patchIdentity takes only what the client sends: replace ops on
// /verifiable_addresses/N/<field>.
func (fk *fakeKratos) patchIdentity(i *fakeIdentity, c fakeCall) (int, []byte) {
	var ops []struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}
	if err := json.Unmarshal(c.body, &ops); err != nil {
		return kratosError(http.StatusBadRequest, "the patch is not JSON")
	}
	for _, op := range ops {
		var n int
		var field string
		if _, err := fmt.Sscanf(op.Path, "/verifiable_addresses/%d/%s", &n, &field); err != nil || op.Op != "replace" || n >= len(i.addresses) {
			return kratosError(http.StatusBadRequest, "unsupported patch "+op.Path)
		}
		i.addresses[n][field] = op.Value
	}
	return encode(http.StatusOK, fk.wire(i, false))
}

func (fk *fakeKratos) unlinkOIDC(i *fakeIdentity, c fakeCall) (int, []byte) {
	identifier := c.first("identifier")
	n := len(i.oidc)
	i.oidc = slices.DeleteFunc(i.oidc, func(s string) bool { return s == identifier })
	if len(i.oidc) == n {
		return kratosError(http.StatusNotFound, "The identifier was not found among OIDC credentials.")
	}
	return http.StatusNoContent, nil
}

// importOIDC adds the OIDC links of a PUT body to i, as Kratos does; false
// when one is linked already, to i or to another identity (Kratos's
// conflict).
func (fk *fakeKratos) importOIDC(i *fakeIdentity, in map[string]any) bool {
	creds, _ := in["credentials"].(map[string]any)
	oidc, _ := creds["oidc"].(map[string]any)
	cfg, _ := oidc["config"].(map[string]any)
	providers, _ := cfg["providers"].([]any)
	var add []string
	for _, p := range providers {
		m, _ := p.(map[string]any)
		identifier := fmt.Sprintf("%s:%s", m["provider"], m["subject"])
		for _, other := range fk.identities {
			if slices.Contains(other.oidc, identifier) {
				return false
			}
		}
		add = append(add, identifier)
	}
	i.oidc = append(i.oidc, add...)
	return true
}

// setCredentials stores the password of a create or PUT body as a
// bcrypt-shaped hash that does not contain it.
func (fk *fakeKratos) setCredentials(i *fakeIdentity, in map[string]any) {
	creds, _ := in["credentials"].(map[string]any)
	pw, _ := creds["password"].(map[string]any)
	cfg, _ := pw["config"].(map[string]any)
	if h, ok := cfg["hashed_password"].(string); ok {
		i.hash = h
		return
	}
	if p, ok := cfg["password"].(string); ok {
		fk.seq++
		sum := sha256.Sum256([]byte(p + strconv.Itoa(fk.seq)))
		i.hash = "$2a$04$" + base64.RawStdEncoding.EncodeToString(sum[:])[:43]
	}
}

func (fk *fakeKratos) sorted() []*fakeIdentity {
	out := make([]*fakeIdentity, 0, len(fk.identities))
	for _, i := range fk.identities {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].id < out[b].id })
	return out
}

// wire is the identity as Kratos answers it.
func (fk *fakeKratos) wire(i *fakeIdentity, withPassword bool) map[string]any {
	addresses := []map[string]any{}
	for _, a := range i.addresses {
		c := map[string]any{}
		for k, v := range a {
			c[k] = v
		}
		addresses = append(addresses, c)
	}
	m := map[string]any{
		"id":                   i.id,
		"schema_id":            i.schemaID,
		"schema_url":           fk.srv.URL + "/schemas/" + i.schemaID,
		"state":                i.state,
		"traits":               i.traits,
		"metadata_public":      i.metadataPublic,
		"metadata_admin":       i.metadataAdmin,
		"created_at":           i.createdAt.UTC().Format(time.RFC3339Nano),
		"updated_at":           fk.now().UTC().Format(time.RFC3339Nano),
		"verifiable_addresses": addresses,
		"recovery_addresses":   []any{},
	}
	if withPassword {
		cfg := map[string]any{}
		if i.hash != "" {
			cfg["hashed_password"] = i.hash
		}
		m["credentials"] = map[string]any{"password": map[string]any{
			"type": "password", "identifiers": []any{i.traits["email"]}, "config": cfg, "version": 0,
		}}
	}
	if len(i.oidc) > 0 {
		creds, _ := m["credentials"].(map[string]any)
		if creds == nil {
			creds = map[string]any{}
			m["credentials"] = creds
		}
		creds["oidc"] = map[string]any{"type": "oidc", "identifiers": slices.Clone(i.oidc), "version": 0}
	}
	return m
}

func encode(code int, v any) (int, []byte) {
	b, err := json.Marshal(v)
	if err != nil {
		return kratosError(http.StatusInternalServerError, err.Error())
	}
	return code, b
}

func emailInput(email string) IdentityInput {
	return IdentityInput{SchemaID: "email", Traits: map[string]any{"email": email}}
}

func fingerprintOf(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// onlyID returns the id of the one identity the fake holds.
func (fk *fakeKratos) onlyID(t *testing.T) string {
	t.Helper()
	fk.mu.Lock()
	defer fk.mu.Unlock()
	if len(fk.identities) != 1 {
		t.Fatalf("identities stored = %d, want 1", len(fk.identities))
	}
	for id := range fk.identities {
		return id
	}
	return ""
}

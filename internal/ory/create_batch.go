package ory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	client "github.com/ory/client-go"
)

// createBatcher coalesces creates. Terraform creates up to -parallelism
// resources at once; each create joins the batch that is gathering, and the
// batch is sent as one PATCH /admin/identities when its window ends or it is
// full. On Ory Network every write costs a call of the smallest bucket and
// creates may not overlap, so ten creates in one call are ten times cheaper.
// A batch of one is sent as the plain POST it was. One batch is in flight
// at a time (Ory Network refuses overlapping creates): the next one gathers
// meanwhile, so batches grow as the server slows down.
//
// What Kratos v1.3.1 answers (checked): 200 with one {"action":"create",
// "identity":"<id>"} per item, in order; an item that fails validation or
// conflicts is {"action":"error","error":{"code":400|409,...}}; a body it
// can not take as a whole (an unknown state, an unknown field) is refused
// with 400 and nothing is created. A conflict rolls the whole batch back,
// yet the others are answered as created (fixed in later Kratos): after
// any failed item, the others are read before they are believed, and those
// missing are sent again as a batch of their own.
type createBatcher struct {
	c *Client
	gatherer[*createItem, struct{}]
}

// createItem is one caller's create in a batch.
type createItem struct {
	in   IdentityInput
	body client.CreateIdentityBody
	// Set before the batch's done is closed: the new identity's id and, when
	// it could be built without reading (see builtIdentity), the identity;
	// or err.
	id      string
	created *Identity
	err     error
}

// maxCreatesPerBatch keeps a batch within what every Kratos takes: v1.3.1
// takes 2,000 creates, Ory Network's newer Kratos 1,000 with hashed
// passwords and 200 with plain ones.
const maxCreatesPerBatch = 200

// createRefill is how long a create batch waits, on a rate-limited server,
// for the creates that follow those just answered: the CLI starts the next
// resource's create tens of milliseconds after the last one returned.
const createRefill = 100 * time.Millisecond

// errNotBatched tells a create that its batch did not give it an answer of
// its own: it is sent alone, and the POST's answer is its answer.
var errNotBatched = errors.New("create not batched")

// create sends in with the batch that is gathering and returns the created
// identity, errNotBatched, or the error of this item.
func (b *createBatcher) create(ctx context.Context, in IdentityInput, body client.CreateIdentityBody) (*Identity, error) {
	item := &createItem{in: in, body: body}
	if _, _, err := b.join(ctx, item, b.send); err != nil {
		return nil, err
	}
	if item.err != nil || item.created != nil {
		return item.created, item.err
	}
	// Reads of the batch's identities meet in one list call (readBatcher).
	got, err := b.c.GetIdentity(ctx, item.id)
	if err != nil {
		// Created, but not readable now: the caller finds it by its
		// identifiers, as after a lost answer.
		return nil, &OutcomeUnknownError{Method: http.MethodPatch, Path: "/admin/identities",
			Cause: fmt.Sprintf("identity %s was created, but reading it back failed: %s", item.id, Reason(err))}
	}
	return got, nil
}

// send sends the creates of a batch; a lone create goes as a POST, which
// answers with the whole identity, in one call too.
func (b *createBatcher) send(ctx context.Context, items []*createItem) struct{} {
	if len(items) == 1 {
		items[0].err = errNotBatched
		return struct{}{}
	}
	b.c.createMany(ctx, items)
	tflog.Debug(ctx, "coalesced identity creates", map[string]any{"creates": len(items)})
	return struct{}{}
}

type batchCreate struct {
	Create *client.CreateIdentityBody `json:"create"`
}

// batchResult is one item of the answer to PATCH /admin/identities.
type batchResult struct {
	Action   string          `json:"action"`
	Identity string          `json:"identity"`
	Error    json.RawMessage `json:"error"`
}

// createMany sends items as one PATCH /admin/identities and gives each its
// id, identity or error.
func (c *Client) createMany(ctx context.Context, items []*createItem) {
	body := struct {
		Identities []batchCreate `json:"identities"`
	}{}
	for _, it := range items {
		body.Identities = append(body.Identities, batchCreate{Create: &it.body})
	}
	var answer struct {
		Identities []batchResult `json:"identities"`
	}
	_, err := c.do(ctx, http.MethodPatch, "/admin/identities", nil, body, &answer)
	if err == nil && len(answer.Identities) != len(items) {
		// Some may have been created: each caller finds out by identifiers.
		err = &OutcomeUnknownError{Method: http.MethodPatch, Path: "/admin/identities",
			Cause: fmt.Sprintf("the answer has %d results for %d creates", len(answer.Identities), len(items))}
	}
	if err != nil {
		if !errors.Is(err, ErrOutcomeUnknown) && (errors.Is(err, ErrBadRequest) || errors.Is(err, ErrConflict)) {
			// Kratos refuses the whole batch for one item it can not take;
			// alone, the others are created and that one gets its reason.
			err = errNotBatched
		}
		for _, it := range items {
			it.err = err
		}
		return
	}
	failed := slices.ContainsFunc(answer.Identities, func(r batchResult) bool { return r.Action != "create" })
	var created []*createItem
	for n, r := range answer.Identities {
		it := items[n]
		switch {
		case r.Action == "create" && r.Identity != "":
			it.id = r.Identity
			if failed {
				created = append(created, it)
			} else {
				it.created = c.builtIdentity(ctx, it)
			}
		case batchErrorStatus(r.Error) == http.StatusBadRequest:
			// The batch's reason for an invalid item is generic ("The request
			// was malformed..."); a POST says what is wrong with the traits.
			it.err = errNotBatched
		default:
			it.err = batchItemError(r)
		}
	}
	if len(created) > 0 {
		c.confirmCreated(ctx, created)
	}
}

// confirmCreated reads the items a batch with a failed item answered as
// created: those found are, those missing were rolled back and are sent
// again, without the item that failed.
func (c *Client) confirmCreated(ctx context.Context, items []*createItem) {
	ids := make([]string, len(items))
	for n, it := range items {
		ids[n] = it.id
	}
	found, err := c.getMany(ctx, ids)
	var again []*createItem
	for _, it := range items {
		switch {
		case err != nil:
			// Each caller finds out by identifiers, as after a lost answer.
			it.err = &OutcomeUnknownError{Method: http.MethodPatch, Path: "/admin/identities",
				Cause: fmt.Sprintf("identity %s was answered as created, and reading it back failed: %s", it.id, Reason(err))}
		case found[it.id] != nil:
			it.created = found[it.id]
		default:
			it.id = ""
			again = append(again, it)
		}
	}
	switch len(again) {
	case 0:
	case 1:
		again[0].err = errNotBatched
	default:
		c.createMany(ctx, again)
	}
}

// batchErrorStatus is the HTTP status an item's error carries, or 0.
func batchErrorStatus(raw json.RawMessage) int {
	var e struct {
		Code int `json:"code"`
	}
	_ = json.Unmarshal(raw, &e)
	return e.Code
}

// batchItemError is the error of one item, typed as a POST's answer with
// that status would be: a duplicate identifier is ErrConflict.
func batchItemError(r batchResult) error {
	status := batchErrorStatus(r.Error)
	if status < 400 {
		return fmt.Errorf("unexpected answer from the Ory API to a batch create: action %q without an identity", r.Action)
	}
	return apiError(status, []byte(`{"error":`+string(r.Error)+`}`))
}

// builtIdentity is the identity a read of the new item would return, built
// from what was sent and what the schema derives from the traits, or nil
// when it can not be known without reading. Reading each batch back would
// cost a list call in another bucket of Ory Network's edge (90 a minute on
// Production against 175 writes): at ten creates a batch, the reads, not the
// writes, would bound an apply. What Kratos derives is what Derive derives
// (TestAccDeriveAndValidateAgreeWithKratos); that the whole identity is what
// a read returns is TestAccBatchedCreateMatchesRead. CreatedAt stays zero.
func (c *Client) builtIdentity(ctx context.Context, it *createItem) *Identity {
	if it.body.Credentials != nil {
		// A read has the stored hash's fingerprint, which only a read gives.
		return nil
	}
	s, err := c.Schema(ctx, it.in.SchemaID)
	if err != nil || s.Unchecked != "" || !s.Derivable {
		return nil
	}
	traits, err1 := jsonRoundTrip(it.body.Traits)
	public, err2 := jsonRoundTrip(it.body.MetadataPublic)
	admin, err3 := jsonRoundTrip(it.body.MetadataAdmin)
	m, isObject := traits.(map[string]any)
	if err := errors.Join(err1, err2, err3); err != nil || !isObject {
		return nil
	}
	derived := s.Derive(m)
	out := &Identity{
		ID:             it.id,
		SchemaID:       it.in.SchemaID,
		State:          StateActive,
		Traits:         traits,
		MetadataPublic: public,
		MetadataAdmin:  admin,
		Identifiers:    derived.Identifiers,
	}
	if it.in.State != "" {
		out.State = it.in.State
	}
	for _, a := range derived.VerifiableAddresses {
		v := VerifiableAddress{Value: a.Value, Via: a.Via, Status: StatusPending}
		// Kratos keeps an imported address where it equals a derived one
		// in value (lower-cased) and channel, and drops the others.
		for _, imported := range it.body.VerifiableAddresses {
			if strings.ToLower(imported.Value) == a.Value && imported.Via == a.Via {
				v.Verified, v.Status = imported.Verified, imported.Status
			}
		}
		out.VerifiableAddresses = append(out.VerifiableAddresses, v)
	}
	out.RecoveryAddresses = append(out.RecoveryAddresses, derived.RecoveryAddresses...)
	return out
}

// jsonRoundTrip returns v as a read decodes it: numbers exact, objects as
// maps; a copy, so the caller's input stays its own.
func jsonRoundTrip(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	return out, dec.Decode(&out)
}

package ory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// writeOp is one write to the API and how to find out whether it took
// effect when its answer is lost.
type writeOp struct {
	// what names the write in logs and errors, e.g. "create identity".
	what string
	// send makes one attempt.
	send func(ctx context.Context) error
	// resolve reads the server after a lost answer: done means the write took
	// effect and must not be sent again.
	resolve func(ctx context.Context) (done bool, err error)
	// resolveConflictOnResend treats a 409 to a resent write as a lost answer
	// too: the first attempt may have done it after all.
	resolveConflictOnResend bool
}

// write sends op and makes its outcome a fact. The transport has already
// retried what was not processed (429, 503); what remains ambiguous comes
// here as ErrOutcomeUnknown and is resolved by reading the server, and the
// write is sent again only when it did not take effect, at most maxRetries
// times. Nothing is ever sent twice on a guess.
func (c *Client) write(ctx context.Context, op writeOp) error {
	for resend := 0; ; resend++ {
		err := op.send(ctx)
		lost := errors.Is(err, ErrOutcomeUnknown) ||
			(resend > 0 && op.resolveConflictOnResend && errors.Is(err, ErrConflict))
		if !lost {
			return err
		}
		tflog.Info(ctx, "Ory API answer lost; reading the server to find out whether the write took effect",
			map[string]any{"operation": op.what, "reason": err.Error()})
		done, rerr := op.resolve(ctx)
		switch {
		case rerr != nil:
			return &unresolvedError{what: op.what, lost: err, resolve: rerr}
		case done:
			tflog.Info(ctx, "the write had taken effect", map[string]any{"operation": op.what})
			return nil
		case resend >= c.policy.maxRetries:
			return fmt.Errorf("%s: %w; it did not take effect, and %d resends did not get an answer", op.what, err, c.policy.maxRetries)
		}
		wait := c.policy.backoff(resend)
		tflog.Info(ctx, "the write had not taken effect; sending it again",
			map[string]any{"operation": op.what, "resend": resend + 1, "wait_ms": wait.Milliseconds()})
		if err := c.policy.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// unresolvedError is a write whose answer was lost and whose outcome could
// not be found out. It is ErrOutcomeUnknown and whatever the resolve step
// failed with (errors.Is sees both).
type unresolvedError struct {
	what    string
	lost    error
	resolve error
}

func (e *unresolvedError) Error() string {
	return fmt.Sprintf("%s: %s; finding out whether it happened failed: %s", e.what, e.lost, e.resolve)
}

func (e *unresolvedError) Unwrap() []error { return []error{e.lost, e.resolve} }

// NoIdentifierError says that a create's answer was lost and the identity
// can not be looked up, because its schema gives it no login identifier.
type NoIdentifierError struct {
	SchemaID string
	Traits   map[string]any
}

func (e *NoIdentifierError) Error() string {
	return fmt.Sprintf("identity schema %q gives these traits no login identifier, so the identity can not be looked up to tell whether it was created", e.SchemaID)
}

// createdSlack widens the "created after the first attempt started" window
// for the clocks' resolution (the Date header has whole seconds).
const createdSlack = 100 * time.Millisecond

// findCreated looks for the identity a create with a lost answer may have
// made, by each of its login identifiers. It returns the identity when one
// has the schema and traits that were sent and was created after started
// (by the server's clock, estimated from the Date header), nil when no
// identity holds any of the identifiers (the create did not happen), and a
// conflict when another identity holds one: that identity is not adopted,
// since it may be someone's own account.
func (c *Client) findCreated(ctx context.Context, in IdentityInput, started time.Time) (*Identity, error) {
	identifiers, err := c.loginIdentifiers(ctx, in.SchemaID, in.Traits)
	if err != nil {
		return nil, err
	}
	if len(identifiers) == 0 {
		return nil, &NoIdentifierError{SchemaID: in.SchemaID, Traits: in.Traits}
	}
	for _, v := range identifiers {
		found, offset, err := c.listByIdentifier(ctx, v)
		if err != nil {
			return nil, err
		}
		for i := range found {
			f := &found[i]
			if f.SchemaID == in.SchemaID && SameJSON(f.Traits, in.Traits) &&
				!f.CreatedAt.Before(started.Add(offset-createdSlack)) {
				return f, nil
			}
		}
		if len(found) > 0 {
			return nil, &APIError{Kind: ErrConflict, Status: http.StatusConflict,
				Reason: fmt.Sprintf("identity %s, created before this apply, already uses the identifier %q", found[0].ID, v)}
		}
	}
	return nil, nil
}

// listByIdentifier returns the identities that log in with identifier, and
// how far the server's clock is ahead of ours (at most: the Date header has
// whole seconds, and the answer took time to arrive).
func (c *Client) listByIdentifier(ctx context.Context, identifier string) ([]Identity, time.Duration, error) {
	found, header, err := c.listPage(ctx, url.Values{"credentials_identifier": {identifier}})
	received := time.Now()
	if err != nil {
		return nil, 0, err
	}
	var offset time.Duration
	if date, err := http.ParseTime(header.Get("Date")); err == nil {
		offset = date.Sub(received)
	} else {
		offset = -time.Second
	}
	return found, offset, nil
}

// identifierValues returns the string values at each path in traits; a path
// may end in an array of strings.
func identifierValues(traits map[string]any, paths [][]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		values := valuesAt(traits, p)
		for _, i := range slices.Sorted(maps.Keys(values)) {
			if s, ok := values[i].(string); ok && strings.TrimSpace(s) != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

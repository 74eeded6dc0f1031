package ory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	client "github.com/ory/client-go"
)

// createAll creates ins concurrently, as Terraform's apply does.
func createAll(c *Client, ins []IdentityInput) ([]*Identity, []error) {
	got := make([]*Identity, len(ins))
	errs := make([]error, len(ins))
	var wg sync.WaitGroup
	for n, in := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[n], errs[n] = c.CreateIdentity(context.Background(), in)
		}()
	}
	wg.Wait()
	return got, errs
}

// batchClient is a test client whose creates gather long enough for every
// goroutine of a test to join one batch, however busy the machine.
func batchClient(t *testing.T, fk *fakeKratos) *Client {
	t.Helper()
	c, _ := newTestClient(t, fk.srv.URL, "")
	c.creates.window = 300 * time.Millisecond
	c.reads.window = 300 * time.Millisecond
	return c
}

func emailInputs(emails ...string) []IdentityInput {
	var out []IdentityInput
	for _, e := range emails {
		out = append(out, emailInput(e))
	}
	return out
}

// wantCreated checks that each caller got the identity the fake stored for
// its own traits.
func wantCreated(t *testing.T, fk *fakeKratos, ins []IdentityInput, got []*Identity, errs []error, skip ...int) {
	t.Helper()
	for n, in := range ins {
		if slices.Contains(skip, n) {
			continue
		}
		if errs[n] != nil {
			t.Errorf("create %d: %v", n, errs[n])
			continue
		}
		if !SameJSON(fk.traits(got[n].ID), in.Traits) || !SameJSON(got[n].Traits, in.Traits) {
			t.Errorf("create %d got identity %s with traits %v; the fake stored %v for it, want %v",
				n, got[n].ID, got[n].Traits, fk.traits(got[n].ID), in.Traits)
		}
	}
}

// An identity whose schema the provider can not follow is read back, all
// of a batch's in one list call.
func TestBatchedCreatesReadBackWhenNotDerivable(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	c := batchClient(t, fk)
	var ins []IdentityInput
	for n := range 4 {
		ins = append(ins, IdentityInput{SchemaID: "remote", Traits: map[string]any{"email": fmt.Sprintf("r%d@example.com", n)}})
	}

	got, errs := createAll(c, ins)
	wantCreated(t, fk, ins, got, errs)
	if b, l, g := fk.count(routeBatch), fk.count(routeList), fk.count(routeGet); b != 1 || l != 1 || g != 0 {
		t.Errorf("batches = %d, list reads = %d, single reads = %d; want 1, 1, 0", b, l, g)
	}
}

// A duplicate identifier fails its own create with ErrConflict, as a POST
// would; the others of the batch are created. Kratos v1.3.1 rolls them back
// though it answers them as created: one read finds them missing, and they
// are sent again as a second batch. A later Kratos keeps them: the read
// finds them, and nothing is sent again.
func TestBatchedCreateConflictFailsAlone(t *testing.T) {
	t.Parallel()
	for _, keeps := range []bool{false, true} {
		t.Run(fmt.Sprintf("others kept %t", keeps), func(t *testing.T) {
			t.Parallel()
			fk := newFakeKratos(t)
			fk.batchKeepsOthers = keeps
			older := fk.seed(map[string]any{"email": "taken@example.com"}, time.Now().Add(-time.Hour))
			c := batchClient(t, fk)
			ins := emailInputs("a@example.com", "taken@example.com", "b@example.com")

			got, errs := createAll(c, ins)
			if !errors.Is(errs[1], ErrConflict) || errors.Is(errs[1], ErrOutcomeUnknown) {
				t.Errorf("duplicate: err = %v, want a plain ErrConflict", errs[1])
			}
			wantCreated(t, fk, ins, got, errs, 1)
			if errs[0] == nil && errs[2] == nil {
				fk.wantOnly(t, older, got[0].ID, got[2].ID)
			}
			batches := 2
			if keeps {
				batches = 1
			}
			if b, l, p := fk.count(routeBatch), fk.count(routeList), fk.count(routeCreate); b != batches || l != 1 || p != 0 {
				t.Errorf("batches = %d, list reads = %d, POSTs = %d; want %d, 1, 0", b, l, p, batches)
			}
		})
	}
}

// An item Kratos finds invalid is sent again alone, whose answer says why;
// when Kratos refuses the whole batch for one item, every item is sent
// alone. Either way the others are created and the bad one gets its error.
func TestBatchedCreateInvalidFailsAlone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		bad     IdentityInput
		reason  string
		singles int
	}{
		{"item refused", IdentityInput{SchemaID: "nope", Traits: map[string]any{"email": "x@example.com"}}, "unknown schema or no traits", 1},
		{"batch refused", IdentityInput{SchemaID: "email", Traits: map[string]any{"email": "x@example.com"}, State: "weird"}, "identity state is not valid", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk := newFakeKratos(t)
			c := batchClient(t, fk)
			ins := []IdentityInput{emailInput("a@example.com"), tc.bad, emailInput("b@example.com")}

			got, errs := createAll(c, ins)
			var apiErr *APIError
			if !errors.As(errs[1], &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Reason != tc.reason {
				t.Errorf("bad item: err = %v, want HTTP 400 saying %q", errs[1], tc.reason)
			}
			wantCreated(t, fk, ins, got, errs, 1)
			fk.wantOnly(t, got[0].ID, got[2].ID)
			if b, p := fk.count(routeBatch), fk.count(routeCreate); b != 1 || p != tc.singles {
				t.Errorf("batches = %d, POSTs = %d; want 1 and %d", b, p, tc.singles)
			}
		})
	}
}

// A batch whose answer was lost is resolved for each item by its login
// identifiers, as a single create is: what was stored is found and not
// sent again, what was not is sent again alone. Nothing is created twice.
func TestBatchAnswerLost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		fault   fault
		singles int
	}{
		{"connection dropped after storing", dropAfter, 0},
		{"gateway timeout after storing", gateway504After, 0},
		{"answer cut mid-body after storing", cutAfter, 0},
		{"connection dropped before storing", dropBefore, 3},
		{"bad gateway before storing", gateway502, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk := newFakeKratos(t)
			fk.plan = faultsOn(routeBatch, tc.fault)
			c := batchClient(t, fk)
			ins := emailInputs("a@example.com", "b@example.com", "c@example.com")

			got, errs := createAll(c, ins)
			wantCreated(t, fk, ins, got, errs)
			var ids []string
			for _, i := range got {
				if i != nil {
					ids = append(ids, i.ID)
				}
			}
			fk.wantOnly(t, ids...)
			if b, p := fk.count(routeBatch), fk.count(routeCreate); b != 1 || p != tc.singles {
				t.Errorf("batches = %d, POSTs = %d; want 1 and %d", b, p, tc.singles)
			}
		})
	}
}

// A lone create is the POST it always was: it waits only the short window.
func TestLoneCreateIsOnePost(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	c, _ := newTestClient(t, fk.srv.URL, "")

	got, err := c.CreateIdentity(context.Background(), emailInput("a@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != fk.onlyID(t) {
		t.Errorf("returned id %q, want the stored one", got.ID)
	}
	if got, want := fk.routes(), []string{routeCreate}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("requests = %q, want %q", got, want)
	}
}

// A full batch is sent at once, and the creates beyond it start the next.
func TestFullCreateBatchIsSentAtOnce(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	c := batchClient(t, fk)
	c.creates.window = time.Hour
	c.creates.max = 3
	ins := emailInputs("a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com", "f@example.com")

	got, errs := createAll(c, ins)
	wantCreated(t, fk, ins, got, errs)
	if b, p := fk.count(routeBatch), fk.count(routeCreate); b != 2 || p != 0 {
		t.Errorf("batches = %d, POSTs = %d; want 2 and 0", b, p)
	}
}

// While a batch is in flight, the creates that arrive gather into the next
// batch, even after its window, instead of going out beside it.
func TestCreatesGatherWhileABatchIsInFlight(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	inFlight, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fk.arrive = func(route string) {
		if route == routeBatch {
			once.Do(func() {
				close(inFlight)
				<-release
			})
		}
	}
	c := batchClient(t, fk)
	c.creates.window = 20 * time.Millisecond
	c.creates.max = 2
	var wg sync.WaitGroup
	create := func(emails ...string) {
		for _, e := range emails {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.CreateIdentity(context.Background(), emailInput(e)); err != nil {
					t.Errorf("create %s: %v", e, err)
				}
			}()
		}
	}
	pending := func() int {
		c.creates.mu.Lock()
		defer c.creates.mu.Unlock()
		if c.creates.pending == nil {
			return 0
		}
		return len(c.creates.pending.items)
	}

	waitPending := func(n int) {
		for deadline := time.Now().Add(5 * time.Second); pending() < n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("the next batch gathered %d creates, want %d", pending(), n)
				return
			}
		}
	}

	create("a@example.com", "b@example.com")
	<-inFlight
	create("c@example.com")
	waitPending(1)
	// Past its window, the batch still takes the next create.
	time.Sleep(3 * c.creates.window)
	create("d@example.com")
	waitPending(2)
	close(release)
	wg.Wait()
	if b, p := fk.count(routeBatch), fk.count(routeCreate); b != 2 || p != 0 {
		t.Errorf("batches = %d, POSTs = %d; want 2 and 0", b, p)
	}
}

// An identity is built without reading only when what a read returns is
// known: not with credentials (their fingerprint), not with a schema the
// provider can not follow.
func TestBuiltIdentityOnlyWhenKnown(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	c, _ := newTestClient(t, fk.srv.URL, "")
	password := &client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
		Config: &client.IdentityWithCredentialsPasswordConfig{Password: client.PtrString("secret")}}}
	cases := []struct {
		name  string
		item  createItem
		built bool
	}{
		{"derivable schema", createItem{in: emailInput("a@example.com"), body: client.CreateIdentityBody{SchemaId: "email", Traits: map[string]any{"email": "a@example.com"}}}, true},
		{"with a password", createItem{in: emailInput("a@example.com"), body: client.CreateIdentityBody{SchemaId: "email", Traits: map[string]any{"email": "a@example.com"}, Credentials: password}}, false},
		{"schema not followed", createItem{in: IdentityInput{SchemaID: "remote"}, body: client.CreateIdentityBody{SchemaId: "remote", Traits: map[string]any{"email": "a@example.com"}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := c.builtIdentity(context.Background(), &tc.item); (got != nil) != tc.built {
				t.Errorf("builtIdentity = %+v, want built %t", got, tc.built)
			}
		})
	}
}

package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ErrInvalidCredentials is wrapped by Login's error when Kratos refuses the
// identifier and password pair (message id 4000006), so tests can tell a wrong
// password from a broken setup.
var ErrInvalidCredentials = errors.New("invalid credentials")

// Kratos's message id for "The provided credentials are invalid".
const msgInvalidCredentials = 4000006

var httpClient = &http.Client{Timeout: 30 * time.Second}

// Login runs the public API (native) login flow with the password method and
// returns the session token. The error carries the server's messages, never
// the password.
func Login(ctx context.Context, identifier, password string) (sessionToken string, err error) {
	k := running()
	if k == nil {
		return "", errNotStarted
	}
	return k.Login(ctx, identifier, password)
}

// Login is the package's Login against this Kratos, for code that starts its
// own (the demo).
func (k *Kratos) Login(ctx context.Context, identifier, password string) (sessionToken string, err error) {
	var flow struct {
		UI struct {
			Action string `json:"action"`
		} `json:"ui"`
	}
	if err := doJSON(ctx, http.MethodGet, k.PublicURL+"/self-service/login/api", nil, nil, &flow); err != nil {
		return "", fmt.Errorf("login: creating flow: %w", err)
	}
	if flow.UI.Action == "" {
		return "", errors.New("login: flow has no ui.action")
	}
	body := map[string]string{"method": "password", "identifier": identifier, "password": password}
	var out struct {
		SessionToken string `json:"session_token"`
	}
	if err := doJSON(ctx, http.MethodPost, flow.UI.Action, body, nil, &out); err != nil {
		return "", Redact(fmt.Errorf("login as %q: %w", identifier, err), password)
	}
	if out.SessionToken == "" {
		return "", fmt.Errorf("login as %q: no session_token in the response", identifier)
	}
	return out.SessionToken, nil
}

// WhoAmI returns the identity id of the session behind a session token.
func WhoAmI(ctx context.Context, sessionToken string) (identityID string, err error) {
	k := running()
	if k == nil {
		return "", errNotStarted
	}
	return k.WhoAmI(ctx, sessionToken)
}

// WhoAmI is the package's WhoAmI against this Kratos.
func (k *Kratos) WhoAmI(ctx context.Context, sessionToken string) (identityID string, err error) {
	var sess struct {
		Identity struct {
			ID string `json:"id"`
		} `json:"identity"`
	}
	hdr := http.Header{"X-Session-Token": {sessionToken}}
	if err := doJSON(ctx, http.MethodGet, k.PublicURL+"/sessions/whoami", nil, hdr, &sess); err != nil {
		return "", fmt.Errorf("whoami: %w", err)
	}
	if sess.Identity.ID == "" {
		return "", errors.New("whoami: session has no identity id")
	}
	return sess.Identity.ID, nil
}

// doJSON sends body as JSON and decodes a 200 response into out; any other
// status becomes an error built from Kratos's error or flow messages.
func doJSON(ctx context.Context, method, url string, body any, hdr http.Header, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return responseError(resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decoding HTTP %d response: %w", resp.StatusCode, err)
	}
	return nil
}

// responseError turns a Kratos error body into an error. Kratos answers either
// {"error":{...}} or, for a refused flow submission, the flow itself with
// messages in ui.messages and ui.nodes[].messages.
func responseError(status int, body []byte) error {
	type message struct {
		ID   int    `json:"id"`
		Text string `json:"text"`
	}
	var e struct {
		Error *struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"error"`
		UI struct {
			Messages []message `json:"messages"`
			Nodes    []struct {
				Messages []message `json:"messages"`
			} `json:"nodes"`
		} `json:"ui"`
	}
	_ = json.Unmarshal(body, &e)

	var texts []string
	invalid := false
	add := func(ms []message) {
		for _, m := range ms {
			texts = append(texts, m.Text)
			invalid = invalid || m.ID == msgInvalidCredentials
		}
	}
	add(e.UI.Messages)
	for _, n := range e.UI.Nodes {
		add(n.Messages)
	}
	if e.Error != nil {
		for _, s := range []string{e.Error.Message, e.Error.Reason} {
			if s != "" {
				texts = append(texts, s)
			}
		}
	}
	if len(texts) == 0 {
		// Flow bodies echo submitted values (never the password), but an
		// unknown body is cut short rather than dumped.
		s := string(body)
		if len(s) > 300 {
			s = s[:300] + "..."
		}
		texts = append(texts, s)
	}
	err := fmt.Errorf("HTTP %d: %s", status, strings.Join(texts, "; "))
	if invalid {
		err = fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
	}
	return &responseErr{status: status, id: decodeErrorID(body), err: err}
}

// responseErr is an error answer of the public API, with its status and
// Kratos's error id, for callers that tell answers apart by them.
type responseErr struct {
	status int
	id     string
	err    error
}

func (e *responseErr) Error() string { return e.err.Error() }
func (e *responseErr) Unwrap() error { return e.err }

// redactedError hides a secret in an error's text but keeps its chain.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Redact makes sure a secret never reaches test or demo output, whatever the
// server echoed: it replaces it in err's text and keeps err's chain.
func Redact(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), secret, "[redacted]"), err: err}
}

// ChangePasswordViaSettings does what a person does in their account
// settings to choose a new password, through the public API's native
// settings flow with the session token of a fresh login (Kratos asks for a
// new login once the session is older than privileged_session_max_age).
// Errors carry Kratos's messages, never the password.
func ChangePasswordViaSettings(ctx context.Context, sessionToken, newPassword string) error {
	k := running()
	if k == nil {
		return errNotStarted
	}
	hdr := http.Header{"X-Session-Token": {sessionToken}}
	var flow selfServiceFlow
	if err := doJSON(ctx, http.MethodGet, k.PublicURL+"/self-service/settings/api", nil, hdr, &flow); err != nil {
		return fmt.Errorf("settings: creating flow: %w", err)
	}
	if flow.UI.Action == "" {
		return fmt.Errorf("settings: flow %s has no ui.action", flow.ID)
	}
	var done selfServiceFlow
	body := map[string]string{"method": "password", "password": newPassword}
	if err := doJSON(ctx, http.MethodPost, flow.UI.Action, body, hdr, &done); err != nil {
		return Redact(fmt.Errorf("settings: setting the password: %w", err), newPassword)
	}
	if done.State != "success" {
		return fmt.Errorf("settings: flow %s is in state %q after setting the password, want \"success\"", flow.ID, done.State)
	}
	return nil
}

package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"
)

// Kratos's answer to a JSON submission of a browser flow that wants the
// browser to go elsewhere (here: to the settings flow).
const errBrowserLocationChangeRequired = "browser_location_change_required"

// selfServiceFlow is the part of a recovery or settings flow a UI needs.
type selfServiceFlow struct {
	ID    string `json:"id"`
	State string `json:"state"`
	UI    struct {
		Action string `json:"action"`
		Nodes  []struct {
			Attributes struct {
				Name  string `json:"name"`
				Value any    `json:"value"`
				// ID and Text are those of a text node (a TOTP secret).
				ID   string `json:"id"`
				Text struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"attributes"`
		} `json:"nodes"`
	} `json:"ui"`
}

// csrfToken returns the value of the csrf_token node, or "" when the flow has
// none (a recovery flow created through the admin API skips the CSRF check).
func (f *selfServiceFlow) csrfToken() string {
	for _, n := range f.UI.Nodes {
		if n.Attributes.Name == "csrf_token" {
			s, _ := n.Attributes.Value.(string)
			return s
		}
	}
	return ""
}

// CompleteRecovery does what the invited user does with a recovery link and
// code from the admin API, through the public API with a cookie jar as a
// browser would: fetch the recovery flow named in the link, submit the code
// (Kratos answers 422 browser_location_change_required towards a settings
// flow and sets a session cookie), fetch that settings flow and set
// newPassword with the password method. Errors carry Kratos's messages, never
// the code or the password.
func CompleteRecovery(ctx context.Context, recoveryLink, code, newPassword string) error {
	err := completeRecovery(ctx, recoveryLink, code, newPassword)
	if err != nil {
		err = Redact(Redact(err, code), newPassword)
	}
	return err
}

func completeRecovery(ctx context.Context, recoveryLink, code, newPassword string) error {
	k := running()
	if k == nil {
		return errNotStarted
	}
	flowID, err := flowParam(recoveryLink)
	if err != nil {
		return fmt.Errorf("recovery link: %w", err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	// Redirects are followed as a browser would: Kratos answers a used or
	// expired code with 303 to a new flow that carries the reason.
	b := &browser{client: &http.Client{Timeout: 30 * time.Second, Jar: jar}}

	// 1. The recovery UI behind the link loads the flow.
	var recovery selfServiceFlow
	if err := b.getFlow(ctx, k.PublicURL+"/self-service/recovery/flows?id="+url.QueryEscape(flowID), &recovery); err != nil {
		return fmt.Errorf("recovery: fetching flow %s: %w", flowID, err)
	}
	if recovery.UI.Action == "" {
		return fmt.Errorf("recovery: flow %s has no ui.action", flowID)
	}

	// 2. The user enters the code.
	body := map[string]string{"method": "code", "code": code}
	if t := recovery.csrfToken(); t != "" {
		body["csrf_token"] = t
	}
	to, err := b.submitForRedirect(ctx, recovery.UI.Action, body)
	if err != nil {
		return fmt.Errorf("recovery: submitting the code: %w", err)
	}
	settingsID, err := flowParam(to)
	if err != nil {
		return fmt.Errorf("recovery: redirect_browser_to: %w", err)
	}

	// 3. The settings UI loads the flow the recovery led to, with the
	// session cookie the recovery set.
	var settings selfServiceFlow
	if err := b.getFlow(ctx, k.PublicURL+"/self-service/settings/flows?id="+url.QueryEscape(settingsID), &settings); err != nil {
		return fmt.Errorf("settings: fetching flow %s: %w", settingsID, err)
	}
	csrf := settings.csrfToken()
	if settings.UI.Action == "" || csrf == "" {
		return fmt.Errorf("settings: flow %s has no ui.action or csrf_token", settingsID)
	}

	// 4. The user sets a password.
	status, answer, err := b.send(ctx, http.MethodPost, settings.UI.Action,
		map[string]string{"method": "password", "password": newPassword, "csrf_token": csrf})
	if err != nil {
		return fmt.Errorf("settings: setting the password: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("settings: setting the password: %w", responseError(status, answer))
	}
	var done selfServiceFlow
	if err := json.Unmarshal(answer, &done); err != nil {
		return fmt.Errorf("settings: decoding the answer: %w", err)
	}
	if done.State != "success" {
		return fmt.Errorf("settings: flow %s is in state %q after setting the password, want \"success\"", settingsID, done.State)
	}
	return nil
}

// flowParam returns the flow query parameter of a UI link.
func flowParam(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	id := u.Query().Get("flow")
	if id == "" {
		return "", fmt.Errorf("%q has no flow parameter", link)
	}
	return id, nil
}

// browser is an HTTP client with a cookie jar that speaks JSON to Kratos.
type browser struct {
	client *http.Client
}

func (b *browser) getFlow(ctx context.Context, u string, out *selfServiceFlow) error {
	status, body, err := b.send(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return responseError(status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding HTTP %d response: %w", status, err)
	}
	if out.ID == "" {
		return errors.New("the answer is not a flow")
	}
	return nil
}

// submitForRedirect submits a browser flow's form as JSON and returns where
// Kratos sends the browser next: it answers such a submission with 422
// browser_location_change_required and the URL, anything else is an error.
func (b *browser) submitForRedirect(ctx context.Context, action string, body any) (string, error) {
	status, answer, err := b.send(ctx, http.MethodPost, action, body)
	if err != nil {
		return "", err
	}
	var redirect struct {
		Error struct {
			ID string `json:"id"`
		} `json:"error"`
		RedirectBrowserTo string `json:"redirect_browser_to"`
	}
	_ = json.Unmarshal(answer, &redirect)
	if status != http.StatusUnprocessableEntity || redirect.Error.ID != errBrowserLocationChangeRequired {
		return "", fmt.Errorf("want HTTP 422 %s, got %w", errBrowserLocationChangeRequired, responseError(status, answer))
	}
	return redirect.RedirectBrowserTo, nil
}

func (b *browser) send(ctx context.Context, method, u string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, out, err
}

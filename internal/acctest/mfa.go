package acctest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pquerna/otp/totp"
)

// Kratos's error id when whoami needs a second factor the session lacks.
const errSessionAAL2Required = "session_aal2_required"

// Settings-flow node that shows the TOTP secret to enter in an app.
const nodeTOTPSecret = "totp_secret_key"

// EnrolTOTP does what a person does in their account settings to add an
// authenticator app, through the public API's native settings flow with
// the session token of a fresh login: open the flow, read the TOTP secret
// it shows, compute the current code as the app would and submit it. It
// returns the secret the app would hold.
func EnrolTOTP(ctx context.Context, sessionToken string) (secret string, err error) {
	k := running()
	if k == nil {
		return "", errNotStarted
	}
	defer func() { err = Redact(err, secret) }()
	hdr := http.Header{"X-Session-Token": {sessionToken}}
	var flow selfServiceFlow
	if err := doJSON(ctx, http.MethodGet, k.PublicURL+"/self-service/settings/api", nil, hdr, &flow); err != nil {
		return "", fmt.Errorf("settings: creating flow: %w", err)
	}
	for _, n := range flow.UI.Nodes {
		if n.Attributes.ID == nodeTOTPSecret {
			secret = n.Attributes.Text.Text
		}
	}
	if flow.UI.Action == "" || secret == "" {
		return "", fmt.Errorf("settings: flow %s has no ui.action or no %s node: is TOTP enabled, and is none enrolled yet?", flow.ID, nodeTOTPSecret)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		return "", fmt.Errorf("settings: computing a TOTP code: %w", err)
	}
	var done selfServiceFlow
	body := map[string]string{"method": "totp", "totp_code": code}
	if err := doJSON(ctx, http.MethodPost, flow.UI.Action, body, hdr, &done); err != nil {
		return "", fmt.Errorf("settings: submitting the TOTP code: %w", err)
	}
	if done.State != "success" {
		return "", fmt.Errorf("settings: flow %s is in state %q after the TOTP code, want \"success\"", flow.ID, done.State)
	}
	return secret, nil
}

// SecondFactorRequired tells whether the session behind sessionToken (from
// Login: a password alone) is refused for want of a second factor: whoami
// answers 403 session_aal2_required when the identity has one enrolled
// (required_aal highest_available), and the session otherwise.
func SecondFactorRequired(ctx context.Context, sessionToken string) (bool, error) {
	k := running()
	if k == nil {
		return false, errNotStarted
	}
	var sess struct {
		AAL string `json:"authenticator_assurance_level"`
	}
	hdr := http.Header{"X-Session-Token": {sessionToken}}
	err := doJSON(ctx, http.MethodGet, k.PublicURL+"/sessions/whoami", nil, hdr, &sess)
	var re *responseErr
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &re) && re.status == http.StatusForbidden && re.id == errSessionAAL2Required:
		return true, nil
	}
	return false, fmt.Errorf("whoami: %w", err)
}

// LoginNeedsSecondFactor logs in with a password, as Login does, and
// tells whether the session it gets still needs a second factor.
func LoginNeedsSecondFactor(ctx context.Context, identifier, password string) (bool, error) {
	token, err := Login(ctx, identifier, password)
	if err != nil {
		return false, err
	}
	return SecondFactorRequired(ctx, token)
}

// decodeErrorID returns the error id of a Kratos error body, or "".
func decodeErrorID(body []byte) string {
	var e struct {
		Error struct {
			ID string `json:"id"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.ID
}

package ory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	client "github.com/ory/client-go"
)

// ErrRecoveryCodesDisabled says that the server does not issue recovery
// codes: Kratos answers 404 for the endpoint when its code method is off.
var ErrRecoveryCodesDisabled = errors.New("recovery codes are disabled on the server")

// RecoveryCode is a one-time recovery code for an identity and the link to
// the recovery UI where it is entered.
type RecoveryCode struct {
	// Link opens the recovery UI for the flow, with an empty code field.
	Link string
	// Code is entered on that page; it works once.
	Code string
	// ExpiresAt is when the recovery flow, and with it the code, expires.
	ExpiresAt time.Time
}

// CreateRecoveryCode opens a recovery flow for an identity through the admin
// API and returns its code and link. expiresIn of 0 leaves the lifespan to
// the server (selfservice.methods.code.config.lifespan, 1h by default).
// A missing identity is ErrNotFound; a disabled code method is
// ErrRecoveryCodesDisabled.
func (c *Client) CreateRecoveryCode(ctx context.Context, identityID string, expiresIn time.Duration) (*RecoveryCode, error) {
	if expiresIn < 0 {
		return nil, fmt.Errorf("expires_in must not be negative, got %s", expiresIn)
	}
	body := client.CreateRecoveryCodeForIdentityBody{IdentityId: identityID}
	if expiresIn > 0 {
		// Kratos parses it with time.ParseDuration; String gives e.g. "1h0m0s".
		s := expiresIn.String()
		body.ExpiresIn = &s
	}
	var got struct {
		RecoveryLink string     `json:"recovery_link"`
		RecoveryCode string     `json:"recovery_code"`
		ExpiresAt    *time.Time `json:"expires_at"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/admin/recovery/code", nil, body, &got); err != nil {
		// Both a missing identity and a disabled endpoint are 404: an
		// identity that exists tells them apart.
		var apiErr *APIError
		if errors.As(err, &apiErr) && errors.Is(apiErr.Kind, ErrNotFound) {
			if _, getErr := c.GetIdentity(ctx, identityID); getErr == nil {
				disabled := *apiErr
				disabled.Kind = ErrRecoveryCodesDisabled
				return nil, &disabled
			}
		}
		return nil, err
	}
	out := &RecoveryCode{Link: got.RecoveryLink, Code: got.RecoveryCode}
	if got.ExpiresAt != nil {
		out.ExpiresAt = got.ExpiresAt.UTC()
	}
	return out, nil
}

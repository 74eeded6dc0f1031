package ory

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Kratos behind TLS with a private CA is reached once its CA is given,
// and refused without it.
func TestCACertFile(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	call := func(cfg Config) error {
		cfg.URL, cfg.MaxRetries = srv.URL, -1
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return deleteIdentity(context.Background(), c, 1)
	}

	// A certificate that is not trusted is final, and says what to set.
	var unknownCA x509.UnknownAuthorityError
	if err := call(Config{}); !errors.As(err, &unknownCA) || errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "set ca_cert_file") {
		t.Errorf("without the CA: err = %v, want an unknown authority that names ca_cert_file", err)
	}
	roots, err := LoadCACertFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := call(Config{RootCAs: roots}); err != nil {
		t.Errorf("with the CA: %v", err)
	}
}

func TestLoadCACertFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.pem"): "no such file",
		notPEM:                            "holds no PEM certificate",
	} {
		if _, err := LoadCACertFile(file); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadCACertFile(%s) = %v, want an error saying %q", file, err, want)
		}
	}
}

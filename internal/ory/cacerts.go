package ory

import (
	"crypto/x509"
	"fmt"
	"os"
)

// LoadCACertFile returns the system's trusted roots with the PEM
// certificates of file added: for a self-hosted Kratos behind TLS with a
// private CA.
func LoadCACertFile(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", file)
	}
	return pool, nil
}

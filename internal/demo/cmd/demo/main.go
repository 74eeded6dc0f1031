// Command demo runs the README's quickstart (`make demo`): see package demo.
// DEMO_CLI=terraform runs it with Terraform instead of OpenTofu; DEMO_CLI may
// also name a terraform or tofu binary.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/identity-as-code/terraform-provider-ory/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	_, err := demo.Run(ctx, os.Stdout, demo.Options{CLI: os.Getenv("DEMO_CLI")})
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo failed after %s\n", time.Since(start).Round(time.Second))
		stop()
		os.Exit(1)
	}
	fmt.Printf("demo done in %s\n", time.Since(start).Round(time.Second))
}

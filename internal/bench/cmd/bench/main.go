// Command bench is the CLI benchmark of `make bench` (see package bench):
// it prints a markdown table of seconds, provider CPU, peak RSS and API calls
// per phase. BENCH_N sets the number of identities (default 1000), BENCH_CLI
// the CLI (tofu, the default, terraform, or a path), BENCH_PROFILE a
// directory for the provider's CPU and heap profiles; ACCTEST_KRATOS_DB=postgres
// runs Kratos on PostgreSQL. BENCH_EDGE=production (or growth, ...) runs the
// provider through a simulated Ory Network edge of that tier and prints each
// phase against the least time the tier allows; BENCH_EDGE_TLS=off serves
// that edge over plain HTTP.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/identity-as-code/terraform-provider-ory/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Output piped into `head` that exits early must not kill the benchmark
	// before it has stopped Kratos and removed its files.
	signal.Ignore(syscall.SIGPIPE)
	opts := bench.Options{CLI: os.Getenv("BENCH_CLI"), ProfileDir: os.Getenv("BENCH_PROFILE"), Progress: os.Stderr,
		Edge: os.Getenv("BENCH_EDGE"), EdgePlainHTTP: os.Getenv("BENCH_EDGE_TLS") == "off"}
	if s := os.Getenv("BENCH_CONFIGS"); s != "" {
		opts.Configs = strings.Split(s, ",")
	}
	if s := os.Getenv("BENCH_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bench: BENCH_N=%q: want a number of identities, at least 1\n", s)
			os.Exit(2)
		}
		opts.N = n
	}
	if opts.ProfileDir != "" {
		if err := os.MkdirAll(opts.ProfileDir, 0o755); err != nil {
			fmt.Fprintf(os.Stderr, "bench: BENCH_PROFILE: %v\n", err)
			os.Exit(2)
		}
	}
	start := time.Now()
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			err = errors.New("interrupted; Kratos, the CLI and the temp files are cleaned up")
		}
		fmt.Fprintf(os.Stderr, "bench failed after %s: %v\n", time.Since(start).Round(time.Second), err)
		if rep != nil && len(rep.Rows) > 0 {
			fmt.Fprintf(os.Stderr, "measured before the failure:\n%s", rep.Table())
		}
		stop()
		os.Exit(1)
	}
	fmt.Print(rep.Table())
	if opts.ProfileDir != "" {
		fmt.Printf("\nprovider profiles in %s, e.g.: go tool pprof -top %s/identity-password-plan-cpu-*.pprof\n", opts.ProfileDir, opts.ProfileDir)
	}
	fmt.Fprintf(os.Stderr, "bench done in %s\n", time.Since(start).Round(time.Second))
}

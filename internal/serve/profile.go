//go:build profile

package serve

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// Profiles of the provider as a real CLI runs it (make bench, which builds
// with -tags profile; release builds leave this file out). The CLI starts the
// provider more than once per command, so "%p" in a path becomes the process
// id; without it the last process to exit wins.
const (
	cpuProfileEnv = "ORY_PROVIDER_CPUPROFILE"
	memProfileEnv = "ORY_PROVIDER_MEMPROFILE"
)

// startProfiles starts the profiles the environment asks for and returns the
// function that writes them. The CLI ends the provider with a shutdown call
// that makes Serve return, so main calls it after Serve.
func startProfiles() (stop func() error, err error) {
	cpuPath := profilePath(os.Getenv(cpuProfileEnv))
	memPath := profilePath(os.Getenv(memProfileEnv))
	var cpu *os.File
	if cpuPath != "" {
		if cpu, err = os.Create(cpuPath); err != nil {
			return nil, fmt.Errorf("%s: %w", cpuProfileEnv, err)
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("%s: %w", cpuProfileEnv, err)
		}
	}
	return func() error {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return fmt.Errorf("%s: %w", cpuProfileEnv, err)
			}
		}
		if memPath != "" {
			return writeHeapProfile(memPath)
		}
		return nil
	}, nil
}

// writeHeapProfile writes what was allocated over the whole run
// (alloc_space), and what is still live at exit, after a GC.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("%s: %w", memProfileEnv, err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", memProfileEnv, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", memProfileEnv, err)
	}
	return nil
}

func profilePath(p string) string {
	return strings.ReplaceAll(p, "%p", strconv.Itoa(os.Getpid()))
}

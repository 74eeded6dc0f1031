//go:build !linux

package bench

import (
	"errors"
	"os/exec"
)

// runMeasured needs Linux's /proc to find and measure the provider processes.
func runMeasured(*exec.Cmd, string) (usage, error) {
	return usage{}, errors.New("the CLI benchmark measures processes through /proc: run it on Linux")
}

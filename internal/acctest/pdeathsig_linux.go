package acctest

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the kernel kill Kratos when the test binary dies, even
// by SIGKILL or a test timeout, so no server outlives its tests.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

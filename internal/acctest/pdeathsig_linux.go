package acctest

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the kernel kill a server (Kratos, PostgreSQL) when the
// test binary dies, even by SIGKILL or a test timeout, so no server outlives
// its tests. Other attributes (PostgreSQL's user) are kept.
func setPdeathsig(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

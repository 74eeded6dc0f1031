package bench

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const (
	// sampleEvery is how often the provider processes are looked at.
	sampleEvery = 50 * time.Millisecond
	// userHZ is the unit of the times in /proc/<pid>/stat: USER_HZ is 100 on
	// every architecture Go runs Linux on.
	userHZ = 100
	// pPID and wNoWait are waitid's P_PID and WNOWAIT, which package syscall
	// does not name.
	pPID    = 1
	wNoWait = 0x01000000
)

// runMeasured runs cmd (a terraform or tofu command) to its end and measures
// the processes of providerExe it starts, as users feel them: CPU and peak
// memory.
//
// CPU comes from the kernel, exactly: when the CLI reaps a provider process it
// adds that process's CPU time to its own cutime and cstime, which are read
// from the CLI after it exited and before it is reaped. Peak RSS is VmHWM,
// sampled from /proc while the providers run.
func runMeasured(cmd *exec.Cmd, providerExe string) (usage, error) {
	// A CLI of its own process group: Ctrl-C reaches the benchmark, which
	// interrupts the CLI once (cmd.Cancel), not twice. Pdeathsig: the CLI
	// dies with the benchmark.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	type ended struct {
		stat procStat
		err  error
	}
	started := make(chan error, 1)
	exited := make(chan ended, 1)
	go func() {
		// Pdeathsig fires when the thread that started the child exits: keep
		// this goroutine on its thread until the child is gone.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		st, zerr := zombieStat(cmd.Process.Pid)
		err := cmd.Wait()
		if err == nil {
			err = zerr
		}
		exited <- ended{st, err}
	}()
	if err := <-started; err != nil {
		return usage{}, err
	}

	s := &sampler{cli: cmd.Process.Pid, exe: providerExe, related: map[int]bool{}, providers: map[int]*procSample{}}
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		s.sample()
		select {
		case end := <-exited:
			s.killLeftovers()
			u := usage{
				cli:         ticks(end.stat.utime + end.stat.stime),
				providerCPU: ticks(end.stat.cutime + end.stat.cstime),
				providers:   len(s.providers),
			}
			var sampled int64
			for _, p := range s.providers {
				sampled += p.cpu
				u.peakRSS = max(u.peakRSS, p.hwm)
			}
			// A provider the CLI did not reap (it crashed first) is only
			// known from the samples.
			u.providerCPU = max(u.providerCPU, ticks(sampled))
			return u, end.err
		case <-tick.C:
		}
	}
}

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / userHZ }

// zombieStat waits until process pid has exited, without reaping it, and
// reads its /proc/<pid>/stat, which still holds its times.
func zombieStat(pid int) (procStat, error) {
	var info [128]byte // siginfo_t
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info[0])), syscall.WEXITED|wNoWait, 0, 0)
		if errno == 0 {
			break
		}
		if errno != syscall.EINTR {
			return procStat{}, fmt.Errorf("waiting for pid %d: %w", pid, errno)
		}
	}
	return readStat(pid)
}

// procStat holds the fields of /proc/<pid>/stat the benchmark uses; times in
// clock ticks.
type procStat struct {
	ppid                         int
	utime, stime, cutime, cstime int64
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseStat(string(b))
}

// parseStat parses a /proc/<pid>/stat line. The command name in parentheses
// may hold spaces and parentheses itself: the fields start after the last ')'.
func parseStat(line string) (procStat, error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("unexpected /proc stat line %q", line)
	}
	// f[0] is field 3 of proc(5): state.
	f := strings.Fields(line[i+1:])
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("unexpected /proc stat line %q", line)
	}
	var st procStat
	var err error
	num := func(s string) int64 {
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil && err == nil {
			err = fmt.Errorf("unexpected /proc stat line %q: %w", line, perr)
		}
		return n
	}
	st.ppid = int(num(f[1]))
	st.utime, st.stime, st.cutime, st.cstime = num(f[11]), num(f[12]), num(f[13]), num(f[14])
	return st, err
}

// vmHWM reads the peak resident set size of pid, in bytes.
func vmHWM(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM") // a zombie has none
}

// sampler finds the provider processes among the CLI's descendants and keeps
// their latest CPU time and peak RSS.
type sampler struct {
	cli       int
	exe       string
	related   map[int]bool // pid: whether it descends from the CLI
	providers map[int]*procSample
}

type procSample struct {
	cpu int64 // utime+stime, clock ticks
	hwm int64 // bytes
}

func (s *sampler) sample() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	alive := make(map[int]bool, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		alive[pid] = true
		if !s.descends(pid) {
			continue
		}
		// Checked at every sample: a child of the CLI is the CLI itself
		// between fork and exec.
		if exe, _ := os.Readlink("/proc/" + e.Name() + "/exe"); exe != s.exe {
			continue
		}
		st, err := readStat(pid)
		if err != nil {
			continue // it has just exited
		}
		p := s.providers[pid]
		if p == nil {
			p = &procSample{}
			s.providers[pid] = p
		}
		p.cpu = st.utime + st.stime
		if hwm, err := vmHWM(pid); err == nil {
			p.hwm = max(p.hwm, hwm)
		}
	}
	// Forget processes that are gone, so that a reused pid is looked at anew.
	for pid := range s.related {
		if !alive[pid] {
			delete(s.related, pid)
		}
	}
}

// descends reports whether pid is the CLI or one of its descendants; the
// answer never changes while pid lives.
func (s *sampler) descends(pid int) bool {
	if pid == s.cli {
		return true
	}
	if d, ok := s.related[pid]; ok {
		return d
	}
	st, err := readStat(pid)
	d := err == nil && st.ppid > 1 && s.descends(st.ppid)
	s.related[pid] = d
	return d
}

// killLeftovers kills provider processes still running after their CLI
// exited, which only a crashed CLI leaves behind.
func (s *sampler) killLeftovers() {
	for pid := range s.providers {
		if exe, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); exe == s.exe {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

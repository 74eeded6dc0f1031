package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, line string
		want       procStat
		wantErr    bool
	}{
		{
			name: "plain",
			line: "4242 (tofu) S 4000 4242 4000 0 -1 4194560 1 0 0 0 150 30 7 2 20 0 12 0 100 0 0\n",
			want: procStat{ppid: 4000, utime: 150, stime: 30, cutime: 7, cstime: 2},
		},
		{
			name: "name with spaces and parentheses",
			line: "7 (a) b (c)) Z 1 7 7 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 5 0 0",
			want: procStat{ppid: 1, utime: 1, stime: 2, cutime: 3, cstime: 4},
		},
		{name: "cut short", line: "7 (a) S 1 7 7", wantErr: true},
		{name: "no name", line: "7 a S 1", wantErr: true},
		{name: "not a number", line: "7 (a) S 1 7 7 0 -1 0 0 0 0 0 x 2 3 4 20", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseStat(tc.line)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A busy grandchild is found, and its CPU counted, through the process
// between it and the command, as the CLI sits between the benchmark and the
// provider.
func TestRunMeasured(t *testing.T) {
	t.Parallel()
	yes, err := exec.LookPath("yes")
	if err != nil {
		t.Skip("needs yes(1)")
	}
	if yes, err = filepath.EvalSymlinks(yes); err != nil {
		t.Fatal(err)
	}
	// yes burns CPU for a second; its own count, read just before it is
	// killed, is what runMeasured must report (plus the few milliseconds
	// until the kill lands), however busy the machine is.
	snapshot := filepath.Join(t.TempDir(), "stat")
	cmd := exec.Command("sh", "-c", `"$0" >/dev/null & pid=$!; sleep 1; cat /proc/$pid/stat >"$1"; kill $pid; wait $pid; exit 0`, yes, snapshot)
	u, err := runMeasured(cmd, yes)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(snapshot)
	if err != nil {
		t.Fatal(err)
	}
	st, err := parseStat(string(b))
	if err != nil {
		t.Fatal(err)
	}
	before := ticks(st.utime + st.stime)
	if u.providers != 1 || before <= 0 || u.providerCPU < before || u.providerCPU > before+300*time.Millisecond || u.peakRSS <= 0 {
		t.Errorf("%d processes, %s CPU (%s before the kill), %d bytes peak RSS; want 1, the CPU yes used, more than 0",
			u.providers, u.providerCPU, before, u.peakRSS)
	}
}

package reliability

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// reportPath is where the run writes what each test measured, as Markdown
// (docs/reports/reliability.md is such a report): the numbers
// docs/reliability.md cites come from it, not from a person's notes.
var reportPath = flag.String("report", "", "write what each test measured to this Markdown file")

// measurements are the lines each test measured, in order.
var measurements struct {
	mu    sync.Mutex
	tests []string
	lines map[string][]string
	took  map[string]time.Duration
}

// measured logs a measurement of the running test and keeps it for the
// report.
func measured(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	name := t.Name()
	if i := strings.IndexByte(name, '/'); i > 0 {
		line = name[i+1:] + ": " + line
		name = name[:i]
	}
	measurements.mu.Lock()
	defer measurements.mu.Unlock()
	if measurements.lines == nil {
		measurements.lines, measurements.took = map[string][]string{}, map[string]time.Duration{}
	}
	if _, seen := measurements.lines[name]; !seen {
		measurements.tests = append(measurements.tests, name)
	}
	measurements.lines[name] = append(measurements.lines[name], line)
}

// timed records how long the test took, for the report.
func timed(t *testing.T) {
	started := time.Now()
	t.Cleanup(func() {
		measurements.mu.Lock()
		defer measurements.mu.Unlock()
		if measurements.took == nil {
			measurements.lines, measurements.took = map[string][]string{}, map[string]time.Duration{}
		}
		if _, seen := measurements.lines[t.Name()]; !seen {
			measurements.tests = append(measurements.tests, t.Name())
			measurements.lines[t.Name()] = nil
		}
		measurements.took[t.Name()] = time.Since(started).Round(100 * time.Millisecond)
	})
}

// writeReport writes the report of the run to path: the commit, the
// machine, and each test's measurements and time; code is the run's exit
// code, scan the secret scan's summary.
func writeReport(path string, code int, scan string) error {
	var b strings.Builder
	commit, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	dirty, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output()
	state := ""
	if len(strings.TrimSpace(string(dirty))) > 0 {
		state = " (with uncommitted changes)"
	}
	outcome := "passed"
	if code != 0 {
		outcome = "FAILED"
	}
	fmt.Fprintf(&b, "# Reliability run\n\nWritten by `go test ./internal/reliability -report FILE` at commit %s%s, %s; %s, %d CPUs, %s. The run %s.\n\n",
		strings.TrimSpace(string(commit)), state, time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.Version(), runtime.NumCPU(), cpuModel(), outcome)
	measurements.mu.Lock()
	defer measurements.mu.Unlock()
	for _, name := range measurements.tests {
		fmt.Fprintf(&b, "## %s", name)
		if d, ok := measurements.took[name]; ok {
			fmt.Fprintf(&b, " (%s)", d)
		}
		b.WriteString("\n\n")
		for _, line := range measurements.lines[name] {
			fmt.Fprintf(&b, "- %s\n", line)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## Secret scan\n\n%s\n", scan)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// cpuModel is the processor's name, as /proc/cpuinfo gives it.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(data), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return runtime.GOARCH
}

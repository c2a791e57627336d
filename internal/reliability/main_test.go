// Package reliability proves, on the real stack, that a network change is
// never lost, never made twice and never leaks a key: an embedded Temporal
// server (internal/devserver), the real worker binary run as a separate OS
// process, cloudsim over HTTP and the real cloud SDKs. Nothing is mocked.
//
// Every test stops by itself within a few minutes; docs/reliability.md
// lists what each one tried, the counts measured and the command that
// reproduces it. `go test -short` skips everything that needs the stack
// and runs only the fuzz seeds.
package reliability

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/devserver"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// The stack every test shares. Each test brings its own cloudsim and its
// own worker processes; tests run one after another because every worker
// polls the one task queue, vpcflow.
var (
	// workerBin is the worker command, built once by TestMain.
	workerBin string
	// childHome is the HOME (and config directory) of every child process:
	// empty, so no profile or credentials file of the machine is read.
	childHome string
	// temporalSrv is the shared embedded Temporal server (in memory).
	temporalSrv *devserver.Server
	// tc is a client of it.
	tc client.Client
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if testing.Short() {
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "vpcflow-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	childHome = filepath.Join(tmp, "home")
	if err := os.MkdirAll(childHome, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		return 1
	}

	workerBin = filepath.Join(tmp, "worker")
	if err := buildWorker(workerBin); err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		return 1
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	temporalSrv, err = devserver.Start(ctx, devserver.Options{UIPort: -1, SearchAttributes: contract.SearchAttributeTypes(), Logger: quiet})
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability: temporal:", err)
		return 1
	}
	defer temporalSrv.Stop()
	tc, err = client.Dial(client.Options{HostPort: temporalSrv.FrontendHostPort(), Namespace: temporalSrv.Namespace(), Logger: stacktest.QuietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability: client:", err)
		return 1
	}
	defer tc.Close()
	code := m.Run()
	// Whatever ran, in whatever order: no history or output holds a secret.
	scanCtx, cancelScan := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelScan()
	found, histories, outputs, err := secretsEverywhere(scanCtx, tc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability: secret scan:", err)
		return 1
	}
	for _, f := range found {
		fmt.Fprintln(os.Stderr, "reliability: secret scan:", f)
	}
	if len(found) > 0 {
		code = 1
	}
	scan := fmt.Sprintf("%d secrets found in %d histories and %d outputs of the package's tests.", len(found), histories, outputs)
	fmt.Println("reliability:", scan)
	if *reportPath != "" {
		if err := writeReport(*reportPath, code, scan); err != nil {
			fmt.Fprintln(os.Stderr, "reliability: report:", err)
			return 1
		}
	}
	return code
}

// buildWorker builds ./worker, the command operators run, into path.
func buildWorker(path string) error {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("go build ./worker: no go command on PATH: %w", err)
	}
	cmd := exec.Command(goCmd, "build", "-o", path, "github.com/vpcflow/vpcflow/worker")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./worker: %v\n%s", err, out)
	}
	return nil
}

// needStack skips a test that needs the stack under -short.
func needStack(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the Temporal server, the worker binary and cloudsim; skipped with -short")
	}
	timed(t)
}

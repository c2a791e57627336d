package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/startercli"
)

// `starter dev` runs the dev stack and the production worker wiring in one
// process until it is stopped: a change started from outside runs to its
// end against it, the worker answers its health endpoint, the server keeps
// its state in the SQLite file of --dir, and Ctrl-C ends it with exit 0.
func TestStarterDevRunsTheStackAndAWorker(t *testing.T) {
	dir := t.TempDir()
	stdout, stdoutW := io.Pipe()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	exit := make(chan int, 1)
	go func() {
		app := &startercli.App{Stdout: stdoutW, Stderr: io.Discard}
		exit <- app.Run(ctx, []string{"dev", "--dir", dir, "--port", "0", "--ui-port", "-1",
			"--cloudsim", "127.0.0.1:0", "--speed", "20", "--health", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--log-level", "warn"})
		stdoutW.Close()
	}()

	banner := regexp.MustCompile(`Temporal (\S+) .* worker health (\S+)`)
	lines := bufio.NewScanner(stdout)
	var frontend, health string
	for frontend == "" && lines.Scan() {
		if m := banner.FindStringSubmatch(lines.Text()); m != nil {
			frontend, health = m[1], m[2]
		}
	}
	require.NotEmpty(t, frontend, "starter dev never said where Temporal is (exit %v)", exitCodeIfAny(exit))
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	resp, err := http.Get(health)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	c, err := client.Dial(client.Options{HostPort: frontend, Logger: stacktest.QuietLogger()})
	require.NoError(t, err)
	defer c.Close()
	in := contract.ConnectRouterInterfaceInput{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID,
		WaitTimeout: contract.Duration(time.Minute)}
	runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	r, err := c.ExecuteWorkflow(runCtx, contract.ConnectRouterInterface.StartOptions(in), contract.ConnectRouterInterface.Type, in)
	require.NoError(t, err)
	var result contract.ConnectRouterInterfaceResult
	require.NoError(t, r.Get(runCtx, &result))
	assert.Equal(t, "Active", result.Status)
	_, err = os.Stat(filepath.Join(dir, "temporal.db"))
	assert.NoError(t, err, "the server's state is in --dir")

	stop()
	select {
	case code := <-exit:
		assert.Equal(t, 0, code)
	case <-time.After(30 * time.Second):
		t.Fatal("starter dev did not stop after Ctrl-C")
	}
}

func exitCodeIfAny(exit <-chan int) any {
	select {
	case code := <-exit:
		return code
	default:
		return "none yet"
	}
}

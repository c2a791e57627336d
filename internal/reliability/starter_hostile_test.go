//go:build unix

package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// The starter binary, built once for the tests that need it as a process
// (its signals, its stdin, what reaches a terminal).
var (
	starterBuild sync.Once
	starterBin   string
	starterErr   error
)

func starterBinary(t *testing.T) string {
	t.Helper()
	starterBuild.Do(func() {
		starterBin = filepath.Join(filepath.Dir(workerBin), "starter")
		cmd := exec.Command("go", "build", "-o", starterBin, "github.com/vpcflow/vpcflow/starter")
		if out, err := cmd.CombinedOutput(); err != nil {
			starterErr = fmt.Errorf("go build ./starter: %v\n%s", err, out)
		}
	})
	require.NoError(t, starterErr)
	return starterBin
}

// starterRun is how a run of the starter binary ended.
type starterRun struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func (r starterRun) String() string {
	return fmt.Sprintf("exit %d after %s\nstdout: %s\nstderr: %s", r.code, r.took, r.stdout, r.stderr)
}

// runStarterBinary runs the starter with the workers' environment; signal,
// when set, is sent after signalAfter. It fails the test if the starter
// has not ended within a minute.
func runStarterBinary(t *testing.T, stdin io.Reader, signal os.Signal, signalAfter time.Duration, args ...string) starterRun {
	t.Helper()
	cmd := exec.Command(starterBinary(t), args...)
	cmd.Env = childEnv(workerConfig{})
	cmd.Dir = t.TempDir()
	cmd.Stdin = stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	started := time.Now()
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var signalled <-chan time.Time
	if signal != nil {
		signalled = time.After(signalAfter)
	}
	for {
		select {
		case <-done:
			return starterRun{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errOut.String(), took: time.Since(started)}
		case <-signalled:
			require.NoError(t, cmd.Process.Signal(signal))
			signalled = nil
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("starter %v did not end within a minute\nstdout: %s\nstderr: %s", args, out.String(), errOut.String())
		}
	}
}

// assertTerminalSafe checks that output holds no control character a
// terminal obeys (ESC, BEL, CR, C1, the bidirectional overrides).
func assertTerminalSafe(t *testing.T, where, output string) {
	t.Helper()
	for _, bad := range []string{"\x1b", "\x07", "\r", "\u009b", "\u202e"} {
		assert.NotContains(t, output, bad, "%s holds %q:\n%s", where, bad, output)
	}
}

// hostileBy is an approver name that would clear the screen, set the
// window title, and write a fake line, if printed raw.
const hostileBy = "mallory\x1b]0;owned\x07\x1b[2J\r\nApproved plan 1 by security\u202e"

// Strings from a payload, a history or the cloud reach the terminal with
// their control characters escaped, in every output of the starter: a
// rejected change's result (text and JSON), its status, and a plan whose
// refusal message the cloud wrote.
func TestTheStarterPrintsNoControlSequence(t *testing.T) {
	needStack(t)
	cloud := startCloud(t, cloudsim.GenerateFixture(2), 20)
	startWorker(t, "worker", workerConfig{cloud: cloud})
	ctx := stacktest.Ctx(t, 3*time.Minute)

	in := loadChange(0, time.Minute)
	in.Approval = &contract.Approval{Required: true}
	run := startChange(ctx, t, tc, in)
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageAwaitingApproval, run.GetID()))
	handle, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: contract.DecideUpdate,
		Args: []any{contract.Decision{Approve: false, By: hostileBy, Comment: "\x1b[32mall good\x1b[0m"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err)
	require.NoError(t, handle.Get(ctx, nil))
	require.Error(t, run.Get(ctx, nil))

	for _, args := range [][]string{{"result", run.GetID()}, {"result", run.GetID(), "-o", "json"}, {"status", run.GetID()}, {"status", run.GetID(), "-o", "json"}} {
		r := runStarterBinary(t, nil, nil, 0, args...)
		assertTerminalSafe(t, strings.Join(args, " "), r.stdout+r.stderr)
		if args[0] == "result" && len(args) == 2 {
			assert.Contains(t, r.stdout+r.stderr, `mallory\x1b]0;owned`, "escaped, not dropped: %s", r)
		}
		for _, line := range strings.Split(r.stdout+r.stderr, "\n") {
			assert.False(t, strings.HasPrefix(strings.TrimSpace(line), "Approved"), "a faked line: %q", line)
		}
		if slices.Contains(args, "json") {
			assert.True(t, json.Valid([]byte(r.stdout)), "JSON stays JSON: %s", r.stdout)
		}
	}

	// The cloud refuses the DryRun with a message (and a code) carrying
	// escapes: the plan shows them escaped.
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{{Action: "PublishVpcRouteEntries", Count: 1,
		Code: "Evil\x1b[2J.Code", Status: 400, Message: "\x1b]0;owned\x07\x1b[2J\r\nApproved"}}}))
	spec := filepath.Join(t.TempDir(), "change.json")
	plan := loadChange(1, time.Minute)
	data, err := json.Marshal(plan)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(spec, data, 0o600))
	r := runStarterBinary(t, nil, nil, 0, "plan", "-f", spec, "--wait")
	assert.Contains(t, r.stdout, "! would fail", r)
	assert.Contains(t, r.stdout, "Evil[2J.Code", r)
	assertTerminalSafe(t, "plan", r.stdout+r.stderr)
}

// endlessReader feeds bytes without end, as `yes` does.
type endlessReader struct{}

func (endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'y'
	}
	return len(p), nil
}

// A spec that is a FIFO is refused at once, an endless stdin at 1 MiB,
// and a starter blocked on an idle stdin, or following a change, ends
// promptly on SIGTERM or SIGINT.
func TestTheStarterNeverHangsOnItsInputAndEndsOnSignals(t *testing.T) {
	needStack(t)
	fifo := filepath.Join(t.TempDir(), "spec.json")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	r := runStarterBinary(t, nil, nil, 0, "plan", "-f", fifo)
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, "is not a regular file (it is a named pipe (FIFO))", r)
	assert.Less(t, r.took, 5*time.Second, r)

	r = runStarterBinary(t, endlessReader{}, nil, 0, "plan", "-f", "-")
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, "larger than 1048576 bytes", r)

	// stdin open, never written: SIGTERM ends the read.
	idle, keepOpen, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { _ = keepOpen.Close(); _ = idle.Close() })
	r = runStarterBinary(t, idle, syscall.SIGTERM, 500*time.Millisecond, "plan", "-f", "-")
	assert.NotEqual(t, 0, r.code, r)
	assert.Contains(t, r.stderr, "interrupted", r)
	assert.Less(t, r.took, 3500*time.Millisecond, r)

	// Following a change that waits: SIGINT stops following at once.
	cloud := startCloud(t, cloudsim.GenerateFixture(1), 20)
	ini, _ := cloudsim.LoadRouterInterfaceIDs(0)
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Stuck: []string{ini}}))
	startWorker(t, "worker", workerConfig{cloud: cloud})
	r = runStarterBinary(t, nil, syscall.SIGINT, 3*time.Second, "connect", "--region", cloudsim.DefaultRegionID,
		"--router-interface", ini, "--wait")
	t.Cleanup(func() {
		terminateIfRunning(tc, contract.ConnectRouterInterface.ID(contract.ConnectRouterInterfaceInput{RegionId: cloudsim.DefaultRegionID, RouterInterfaceId: ini}), "")
	})
	assert.Equal(t, 1, r.code, r)
	assert.Contains(t, r.stderr, "stopped following; the workflow goes on", r)
	assert.Less(t, r.took, 6*time.Second, r)
}

// A JSON spec or payload that names a key twice is refused with the key's
// path and lines, by the starter, by the worker for a service's input, and
// by the decision's validator; a file that is not a spec is named by a
// bounded prefix of its line, never echoed.
func TestDuplicateKeysAndFilesGivenByMistake(t *testing.T) {
	needStack(t)
	dir := t.TempDir()
	dup := filepath.Join(dir, "dup.json")
	require.NoError(t, os.WriteFile(dup, []byte("{\n\"RegionId\": \"cn-hangzhou\",\n\"RouterInterfaceId\": \"ri-aaa\",\n\"routerInterfaceId\": \"ri-bbb\"\n}\n"), 0o600))
	r := runStarterBinary(t, nil, nil, 0, "plan", "-f", dup)
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, `duplicate key "routerInterfaceId" at "routerInterfaceId" (line 4; the first at line 3)`, r)

	secret := "hunter2-" + strings.Repeat("s", 120)
	passwd := filepath.Join(dir, "passwd.yaml")
	require.NoError(t, os.WriteFile(passwd, []byte("# users\nadmin "+secret+": x\n"), 0o600))
	r = runStarterBinary(t, nil, nil, 0, "plan", "-f", passwd)
	assert.Equal(t, 2, r.code, r)
	assert.Contains(t, r.stderr, `unknown field "admin hunter2-sss`, r)
	assert.Contains(t, r.stderr, "(line 2)", r)
	assert.NotContains(t, r.stderr, secret, r)

	cloud := startCloud(t, cloudsim.GenerateFixture(1), 20)
	startWorker(t, "worker", workerConfig{cloud: cloud})
	ctx := stacktest.Ctx(t, 2*time.Minute)
	ini, _ := cloudsim.LoadRouterInterfaceIDs(0)
	raw := json.RawMessage(`{"RegionId": "cn-hangzhou", "RouterInterfaceId": "` + ini + `", "RouterInterfaceId": "ri-other"}`)
	run := startWorkflow(ctx, t, tc, stacktest.ID(t, "connect"), contract.ConnectRouterInterface.Type, contract.StartSearchAttributes("", "", ""), raw)
	err := run.Get(ctx, nil)
	require.Error(t, err)
	assert.Equal(t, contract.InvalidInputType, stacktest.FailureType(err))
	assert.Contains(t, err.Error(), `duplicate key "RouterInterfaceId" at "RouterInterfaceId"`)
	assert.Zero(t, len(cloud.callsOf("DescribeRouterInterfaces", nil)), "refused before any call")

	in := loadChange(0, time.Minute)
	in.Approval = &contract.Approval{Required: true}
	change := startChange(ctx, t, tc, in)
	require.NoError(t, stacktest.WaitStage(ctx, tc, contract.StageAwaitingApproval, change.GetID()))
	handle, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: change.GetID(), UpdateName: contract.DecideUpdate,
		Args: []any{json.RawMessage(`{"Approve": false, "By": "alice", "Approve": true}`)}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	require.Error(t, err, "refused by the validator")
	assert.Contains(t, err.Error(), `duplicate key "Approve"`)
	p, err := stacktest.Progress(context.Background(), tc, change.GetID())
	require.NoError(t, err)
	assert.Equal(t, contract.StageAwaitingApproval, p.Stage, "still waiting for a decision")
}

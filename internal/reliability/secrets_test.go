package reliability

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/startercli"
)

// TestSecretScannerFindsEncodedSecrets: the scan TestSecrets relies on
// finds a secret as it is and base64-encoded at any offset, as a history's
// JSON carries payloads.
func TestSecretScannerFindsEncodedSecrets(t *testing.T) {
	for _, secret := range allSecrets() {
		for pad := range 6 {
			payload := []byte(fmt.Sprintf(`{"x":"%s%s"}`, strings.Repeat("p", pad), secret))
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding} {
				text := `{"payloads":[{"data":"` + enc.EncodeToString(payload) + `"}]}`
				assert.NotEmpty(t, leaks(text), "offset %d, %s", pad, text)
			}
		}
		assert.NotEmpty(t, leaks("key="+secret))
	}
	assert.Empty(t, leaks(`{"AccessKeyId":"`+cloudsim.DefaultAccessKeyID+`","HuaweiAK":"`+cloudsim.DefaultHuaweiAK+`"}`), "key IDs are not secrets")
}

// secretFlag matches flag names that would take a credential (a path to a
// key file is not one).
var secretFlag = regexp.MustCompile(`(?i)^\s+-\S*(secret|key|token|password|passwd|credential|\bak\b|\bsk\b)(?:[^-\s]|\s)`)

// apiKeyFlag is the one connection flag of the temporal CLI's that carries a
// credential; the starter has it as the temporal CLI does, and warns when it
// is given (TEMPORAL_API_KEY and profiles keep it off command lines).
const apiKeyFlag = "--api-key string"

// TestSecrets: after end-to-end runs through the worker process and the
// starter (with the worker's logs at debug level and the Alibaba key read
// from a credentials file), every workflow history on the server, every
// output of every worker process and starter run, and cloudsim's call log
// are read: the AccessKey secrets and the Huawei SKs appear nowhere, in
// clear or base64-encoded. Neither command has a flag that takes a key.
// TestMain makes the same scan after every test of the package.
func TestSecrets(t *testing.T) {
	needStack(t)
	ctx := stacktest.Ctx(t, 3*time.Minute)
	cloud := startCloud(t, cloudsim.GenerateFixture(1), 20)

	// The commands take no key on their command line.
	help := newCapture(t.Name() + "/worker -h")
	cmd := exec.Command(workerBin, "-h")
	cmd.Stdout, cmd.Stderr = help, help
	_ = cmd.Run()
	require.Contains(t, help.String(), "-health", "worker -h lists the flags")
	for _, line := range strings.Split(help.String(), "\n") {
		assert.NotRegexp(t, secretFlag, line, "the worker takes a credential on its command line")
	}
	var dials countingDial
	app := &startercli.App{Dial: dials.dial, Namespace: temporalSrv.Namespace(), UIBase: "http://127.0.0.1:1", PollInterval: 100 * time.Millisecond}
	for _, command := range []string{"connect", "publish", "verify", "network-change", "plan", "apig-endpoints", "status", "result", "approve", "reject", "dev", "demo"} {
		_, help, _ := runStarter(t, app, command+" -h", []string{command, "-h"})
		require.Contains(t, help, "Usage:\n  starter "+command)
		for _, line := range strings.Split(help, "\n") {
			if strings.Contains(line, apiKeyFlag) {
				continue
			}
			assert.NotRegexp(t, secretFlag, line, "starter %s takes a credential on its command line", command)
		}
	}
	_, _, warned := runStarter(t, app, "status --api-key", []string{"status", "wf", "--api-key", "not-a-real-key-0000"})
	assert.Contains(t, warned, "prefer TEMPORAL_API_KEY", "a key given on the command line is warned about")
	assert.NotContains(t, warned, "not-a-real-key-0000")

	// A worker that reads the Alibaba key from a credentials file (not from
	// its environment), logging at debug level.
	credFile := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(credFile, []byte(fmt.Sprintf("[default]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = %s\n",
		cloudsim.DefaultAccessKeyID, cloudsim.DefaultAccessKeySecret)), 0o600))
	fromFile := startWorker(t, "worker-key-from-file", workerConfig{cloud: cloud, args: []string{"-log-level=debug"}, env: map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "", "ALIBABA_CLOUD_CREDENTIALS_FILE": credFile,
	}})
	assertNotInProcess(t, fromFile, true)

	spec := filepath.Join(t.TempDir(), "change.json")
	require.NoError(t, os.WriteFile(spec, mustJSON(simclients.DefaultNetworkChange()), 0o600))
	id := "network-change/" + cloudsim.DefaultInitiatingInterfaceID
	t.Cleanup(func() { terminateIfRunning(tc, id, "") })
	code, stdout, stderr := runStarter(t, app, "network-change", []string{"network-change", "-f", spec, "--wait", "-o", "json"})
	require.Equal(t, 0, code, "stdout %s\nstderr %s", stdout, stderr)
	code, stdout, stderr = runStarter(t, app, "apig-endpoints", []string{"apig-endpoints", "--instance", cloudsim.DefaultAPIGInstanceID,
		"--wait-accepted", cloudsim.DefaultEndpointConnectionPendingID, "--wait"})
	require.Equal(t, 0, code, "stdout %s\nstderr %s", stdout, stderr)
	code, _, stderr = runStarter(t, app, "connect (fails)", []string{"connect", "--region", cloudsim.DefaultRegionID,
		"--router-interface", cloudsim.DefaultSecondAcceptingInterfaceID, "--wait"})
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "IncorrectRole.NotInitiatingSide")
	for _, args := range [][]string{{"status", id}, {"status", "-o", "json", id}, {"result", "-o", "json", id}} {
		code, stdout, stderr = runStarter(t, app, strings.Join(args, " "), args)
		require.Equal(t, 0, code, "stdout %s\nstderr %s", stdout, stderr)
	}
	fromFile.stop()

	// A worker with every key in its environment, through retries and a
	// permanent failure, logging at debug level.
	fromEnv := startWorker(t, "worker-keys-from-env", workerConfig{cloud: cloud, args: []string{"-log-level=debug"}})
	assertNotInProcess(t, fromEnv, false)
	require.NoError(t, cloud.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{
		{Action: "ConnectRouterInterface", Count: 1, Code: "Throttling.User", Status: 400},
		{Action: "PublishVpcRouteEntries", Count: 1, Code: "ServiceUnavailable", Status: 503},
		{Action: "ListEndpointConnections", Count: 1, Code: "APIGW.0308", Status: 429},
	}}))
	run := startChange(ctx, t, tc, loadChange(0, time.Minute))
	require.NoError(t, run.Get(ctx, nil))
	code, _, stderr = runStarter(t, app, "apig-endpoints (throttled)", []string{"apig-endpoints", "--instance", cloudsim.DefaultAPIGInstanceID, "--wait"})
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runStarter(t, app, "publish (refused)", []string{"publish", "--region", cloudsim.DefaultRegionID, "--target", cloudsim.DefaultECRID,
		"--route", cloudsim.DefaultSystemRouteTableID + "=" + cloudsim.DefaultSystemRouteCIDR, "--wait"})
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "OperationUnsupported.PublishSystemRouteEntry")
	fromEnv.stop()

	// Now read everything so far; TestMain reads it all again once every
	// test of the package has run, whatever their order.
	found, histories, outputs, err := secretsEverywhere(ctx, tc)
	require.NoError(t, err)
	for _, f := range found {
		t.Error(f)
	}
	calls, err := json.Marshal(cloud.Calls(""))
	require.NoError(t, err)
	assert.Empty(t, leaks(string(calls)), "cloudsim's call log")
	measured(t, "no secret (%d of them, in clear or base64) in %d workflow histories, %d process and starter outputs, or %d cloudsim calls",
		len(allSecrets()), histories, outputs, len(cloud.Calls("")))
}

// assertNotInProcess checks that no secret is on a worker's command line
// and, when the Alibaba key came from a file, that its secret is not in the
// process's environment either (Linux /proc).
func assertNotInProcess(t *testing.T, w *workerProc, keyFromFile bool) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", w.pid()))
	require.NoError(t, err)
	assert.Empty(t, leaks(string(cmdline)), "%s command line: %q", w.name, cmdline)
	if keyFromFile {
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", w.pid()))
		require.NoError(t, err)
		assert.NotContains(t, string(environ), cloudsim.DefaultAccessKeySecret, "%s read its key from the file", w.name)
		assert.NotContains(t, string(environ), "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	}
}

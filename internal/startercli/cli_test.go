package startercli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpcflow/vpcflow/internal/simclients"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

// run runs the starter with a Dial that fails the test: every case here must
// stop before anything is started.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Stdout: &out, Stderr: &errOut, Dial: func(context.Context) (client.Client, error) {
		t.Errorf("starter %v dialled Temporal; it should have stopped before", args)
		return nil, errors.New("not in this test")
	}}
	code = app.Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestUsage(t *testing.T) {
	code, out, _ := run(t)
	assert.Equal(t, exitBadUsage, code)
	assert.Contains(t, out, "network-change")
	code, out, _ = run(t, "--help")
	assert.Equal(t, exitOK, code)
	for _, cmd := range []string{"connect", "publish", "verify", "network-change", "apig-endpoints", "status ID", "result ID", "demo"} {
		assert.Contains(t, out, cmd)
	}
	code, _, errOut := run(t, "conect")
	assert.Equal(t, exitBadUsage, code)
	assert.Contains(t, errOut, `unknown command "conect"`)
	code, _, errOut = run(t, "connect", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errOut, "-router-interface")
}

func TestEveryProblemIsListedAndNothingStarts(t *testing.T) {
	code, _, errOut := run(t, "network-change", "--region", "cn-hangzhou", "--route", "vtb-1=10.0.0.1/24", "--route", "vtb-1=10.0.0.1/24")
	assert.Equal(t, exitBadUsage, code)
	for _, want := range []string{"RouterInterfaceId is required", "has host bits set", "RouteEntries[1] repeats RouteEntries[0]",
		"TargetInstanceId is required", "VpnConnectionId is required", "Nothing was started."} {
		assert.Contains(t, errOut, want)
	}
	assert.Contains(t, errOut, "the input has 6 problems:")
}

func TestBadFlagValues(t *testing.T) {
	cases := map[string][]string{
		"want ROUTE_TABLE_ID=CIDR":      {"publish", "--route", "10.0.0.0/24"},
		"want TYPE:CIDR":                {"verify", "--expect", "10.0.0.0/24"},
		`not an integer: "fifty"`:       {"verify", "--page-size", "fifty"},
		"invalid value \"10 minutes\"":  {"connect", "--wait-timeout", "10 minutes"},
		"unexpected arguments":          {"connect", "--region", "cn-hangzhou", "ri-1"},
		"flag provided but not defined": {"connect", "--regoin", "cn-hangzhou"},
		"want exactly one workflow ID":  {"status"},
	}
	for want, args := range cases {
		code, _, errOut := run(t, args...)
		assert.Equal(t, exitBadUsage, code, "%v", args)
		assert.Contains(t, errOut, want, "%v", args)
	}
}

func TestSpecFiles(t *testing.T) {
	yaml := writeFile(t, "change.yaml", `
RegionId: cn-hangzhou
RouterInterfaceId: ri-1
TargetType: ECR
TargetInstanceId: ecr-1
RouteEntries:
  - {RouteTableId: vtb-1, DestinationCidrBlock: 10.0.0.0/24}
VpnConnectionId: vco-1
WaitTimeout: 5m
`)
	// A flag given too wins over the file: the bad region is the only problem.
	code, _, errOut := run(t, "network-change", "-f", yaml, "--region", "Hangzhou")
	assert.Equal(t, exitBadUsage, code)
	assert.Contains(t, errOut, "the input has 1 problem:")
	assert.Contains(t, errOut, `RegionId "Hangzhou" is not a region ID`)

	cases := map[string]struct{ name, content string }{
		`unknown field "RouteEntrys"`:      {"typo.json", `{"RegionId":"cn-hangzhou","RouteEntrys":[]}`},
		"cannot unmarshal string":          {"type.yaml", "RegionId: cn-hangzhou\nRouteEntries: all\n"},
		"is empty":                         {"empty.yaml", ""},
		"want a .json, .yaml or .yml file": {"change.txt", "{}"},
		"more than one JSON value":         {"two.json", `{} {}`},
		`not a duration`:                   {"wait.json", `{"WaitTimeout":"ten minutes"}`},
		"yaml: ":                           {"broken.yaml", "RegionId: [cn-hangzhou\n"},
		"larger than 1048576 bytes":        {"huge.json", `{"RegionId":"` + strings.Repeat("a", 1<<20) + `"}`},
	}
	for want, c := range cases {
		code, _, errOut := run(t, "network-change", "-f", writeFile(t, c.name, c.content))
		assert.Equal(t, exitBadUsage, code, c.name)
		assert.Contains(t, errOut, want, c.name)
		assert.Contains(t, errOut, "Nothing was started.", c.name)
	}
	code, _, errOut = run(t, "connect", "-f", filepath.Join(t.TempDir(), "missing.yaml"))
	assert.Equal(t, exitBadUsage, code)
	assert.Contains(t, errOut, "no such file")
}

func TestWorkflowIDsAreDeterministic(t *testing.T) {
	a := simclients.DefaultNetworkChange()
	b := simclients.DefaultNetworkChange()
	assert.Equal(t, networkChangeRequest(a).id, networkChangeRequest(b).id)
	assert.Equal(t, "network-change/"+a.RouterInterfaceId, networkChangeRequest(a).id)
}

func TestUILinks(t *testing.T) {
	app := &App{UIBase: "http://127.0.0.1:8233/", Namespace: "prod"}
	assert.Equal(t, "http://127.0.0.1:8233/namespaces/prod/workflows/network-change%2Fri-1/run-1/history",
		app.uiLink(app.namespace(), "network-change/ri-1", "run-1"))
}

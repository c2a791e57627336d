package startercli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vpcflow/vpcflow/contract"
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
	for _, cmd := range []string{"connect", "publish", "verify", "network-change", "plan", "apig-endpoints", "status", "result", "approve", "reject", "dev", "demo", "completion"} {
		assert.Contains(t, out, cmd)
	}
	code, _, errOut := run(t, "conect")
	assert.Equal(t, exitBadUsage, code)
	assert.Contains(t, errOut, `unknown command "conect"`)
	code, out, _ = run(t, "connect", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "--router-interface")
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
		`invalid argument "10 minutes"`: {"connect", "--wait-timeout", "10 minutes"},
		"unexpected arguments":          {"connect", "--region", "cn-hangzhou", "ri-1"},
		"unknown flag: --regoin":        {"connect", "--regoin", "cn-hangzhou"},
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
		`unknown field "RouteEntrys"`:                                     {"typo.json", `{"RegionId":"cn-hangzhou","RouteEntrys":[]}`},
		`"RouteEntries" (line 2) is a JSON string where a list is wanted`: {"type.yaml", "RegionId: cn-hangzhou\nRouteEntries: all\n"},
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
	_, optsA, err := contract.NetworkChange.Prepare(&a)
	require.NoError(t, err)
	_, optsB, err := contract.NetworkChange.Prepare(&b)
	require.NoError(t, err)
	assert.Equal(t, optsA.ID, optsB.ID)
	assert.Equal(t, "network-change/"+a.RouterInterfaceId, optsA.ID)
}

func TestUILinks(t *testing.T) {
	app := &App{UIBase: "http://127.0.0.1:8233/", Namespace: "prod"}
	assert.Equal(t, "http://127.0.0.1:8233/namespaces/prod/workflows/network-change%2Fri-1/run-1/history",
		app.uiLink(app.namespace(), "network-change/ri-1", "run-1"))
}

// Flags go anywhere on the command line, after the workflow ID too.
func TestFlagsAfterArguments(t *testing.T) {
	var out, errOut bytes.Buffer
	dialled := 0
	app := &App{Stdout: &out, Stderr: &errOut, Dial: func(context.Context) (client.Client, error) {
		dialled++
		return nil, errors.New("no Temporal in this test")
	}}
	code := app.Run(context.Background(), []string{"status", "network-change/ri-x", "-o", "json"})
	assert.Equal(t, exitFailed, code, errOut.String())
	assert.Equal(t, 1, dialled, "the command line was accepted and Temporal dialled")
	assert.Contains(t, errOut.String(), "no Temporal in this test")
}

// The shells' completion scripts come from the command tree.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := run(t, "completion", shell)
		assert.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "starter", shell)
		assert.Greater(t, len(out), 1000, shell)
	}
	code, out, _ := run(t, "__complete", "apig-endpoints", "--status", "")
	assert.Equal(t, exitOK, code)
	for _, status := range []string{"pendingAcceptance", "accepted", "rejected", "failed"} {
		assert.Contains(t, out, status)
	}
	code, out, _ = run(t, "__complete", "")
	assert.Equal(t, exitOK, code)
	for _, w := range contract.Workflows() {
		assert.Contains(t, out, w.Describe().Command)
	}
}

// Each workflow of contract.Workflows has its command, and every field of
// its input a flag (CrossAccount two), so no field is settable only from a
// spec file by oversight.
func TestEveryWorkflowHasACommandAndEveryFieldAFlag(t *testing.T) {
	for _, w := range contract.Workflows() {
		d := w.Describe()
		code, out, errOut := run(t, d.Command, "--help")
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, d.Short)
		if d.Type == contract.Rollback.Type || d.Type == contract.DriftCheck.Type {
			continue // its input is read from the change it undoes, or the spec it checks
		}
		in := reflect.TypeOf(w.NewInput()).Elem()
		for _, f := range reflect.VisibleFields(in) {
			if !f.IsExported() || f.Anonymous || slices.Contains(specOnlyFields, f.Name) {
				continue // an embedded struct's fields are visited one by one
			}
			hasFlag := slices.ContainsFunc(inputFlags, func(flag inputFlag) bool { return flag.field == f.Name })
			assert.True(t, hasFlag, "%s: field %s has no flag", d.Command, f.Name)
		}
	}
}

// Flags set the fields they name on top of a spec file: a repeatable flag
// replaces the file's list, --cen alone keeps the file's BindUid.
func TestFlagsOverASpecFile(t *testing.T) {
	spec := writeFile(t, "change.json", `{"RegionId":"cn-hangzhou","RouterInterfaceId":"ri-1","TargetType":"ECR","TargetInstanceId":"ecr-1",
		"RouteEntries":[{"RouteTableId":"vtb-1","DestinationCidrBlock":"10.0.0.0/24"}],"VpnConnectionId":"vco-1",
		"CrossAccount":{"BindInstance":"cen-1","BindUid":42},"PageSize":20}`)
	cmd := (&App{}).workflowCommand(contract.NetworkChange)
	require.NoError(t, cmd.ParseFlags([]string{"--route", "vtb-2=10.1.0.0/24", "--route", "vtb-2=10.2.0.0/24", "--cen", "cen-2", "--page-size", "7"}))
	in := contract.NetworkChange.NewInput()
	require.NoError(t, loadSpec(context.Background(), spec, nil, in))
	for _, f := range flagsOf(t, cmd) {
		require.NoError(t, f.apply(in, true))
	}
	got := *in.(*contract.NetworkChangeInput)
	assert.Equal(t, []contract.RouteEntry{{RouteTableId: "vtb-2", DestinationCidrBlock: "10.1.0.0/24"}, {RouteTableId: "vtb-2", DestinationCidrBlock: "10.2.0.0/24"}}, got.RouteEntries)
	assert.Equal(t, &contract.ExpectedCrossAccount{BindInstance: "cen-2", BindUid: 42}, got.CrossAccount)
	assert.Equal(t, 7, *got.PageSize)
	assert.Equal(t, "ECR", got.TargetType)
	require.NoError(t, got.Validate())
}

// flagsOf is the input flags a command has.
func flagsOf(t *testing.T, cmd *cobra.Command) []*boundFlag {
	t.Helper()
	var out []*boundFlag
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if b, ok := f.Value.(*boundFlag); ok {
			out = append(out, b)
		}
	})
	require.NotEmpty(t, out)
	return out
}

// After SIGINT or SIGTERM a command has a grace to end by itself; the
// commands that stop servers get longer.
func TestStopGraces(t *testing.T) {
	a := &App{}
	assert.Equal(t, stopGrace, a.stopGraceOf([]string{"plan", "-f", "x.yaml"}))
	assert.Equal(t, stopGrace, a.stopGraceOf([]string{"no-such-command"}))
	assert.Equal(t, serverStopGrace, a.stopGraceOf([]string{"dev", "--port", "7233"}))
	assert.Equal(t, serverStopGrace, a.stopGraceOf([]string{"demo"}))
}

// Every value printed is data: control characters in it are escaped, and
// the output writers escape any that reach them by another road, keeping
// lines, tabs and JSON.
func TestControlCharactersAreEscaped(t *testing.T) {
	var out bytes.Buffer
	say(&out, "rejected by %s: %v\n", "evil\x1b]0;x\x07\r\nApproved", errors.New("bad\u202ename"))
	assert.Equal(t, "rejected by evil\\u001b]0;x\\u0007\\u000d\\u000aApproved: bad\\u202ename\n", out.String())
	out.Reset()
	w := terminalWriter{&out}
	_, _ = w.Write([]byte("line 1\n\tline 2 \x1b[2J \u009b \xff {\"a\":\"\u2028\"}\n"))
	assert.Equal(t, "line 1\n\tline 2 \\u001b[2J \\u009b \ufffd {\"a\":\"\\u2028\"}\n", out.String())
	assert.Equal(t, "plain text, ünïcode, 漢字", escapeControls("plain text, ünïcode, 漢字", false))
}

// Every command's --help shows how it is used, with an example.
func TestEveryCommandHasAnExample(t *testing.T) {
	root := (&App{}).rootCommand()
	for _, cmd := range root.Commands() {
		if cmd.Name() == "help" || cmd.Name() == "completion" {
			continue
		}
		code, out, errOut := run(t, cmd.Name(), "--help")
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "Examples:\n  starter ", "starter %s --help", cmd.Name())
	}
}

// -o is global and takes text, json or jsonl; --json is its hidden alias.
func TestOutputFlag(t *testing.T) {
	code, _, errOut := run(t, "status", "x", "-o", "yaml")
	assert.Equal(t, exitBadUsage, code)
	assert.Contains(t, errOut, "want one of text, json, jsonl")
	for want, args := range map[outputFormat][]string{outputJSONL: {"-o", "jsonl"}, outputJSON: {"--output", "json"}, outputText: {"-o", "text"}} {
		app := &App{Stdout: io.Discard, Stderr: io.Discard, Dial: func(context.Context) (client.Client, error) {
			return nil, errors.New("not here")
		}}
		root := app.rootCommand()
		root.SetArgs(append([]string{"status", "wf"}, args...))
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		_, _ = root.ExecuteC()
		assert.Equal(t, want, app.output, "%v", args)
	}
	alias := &App{Stdout: io.Discard, Stderr: io.Discard, Dial: func(context.Context) (client.Client, error) { return nil, errors.New("not here") }}
	root := alias.rootCommand()
	root.SetArgs([]string{"status", "wf", "--json"})
	root.SetErr(io.Discard)
	_, _ = root.ExecuteC()
	assert.Equal(t, outputJSON, alias.output, "--json is -o json")
	code, out, _ := run(t, "--help")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "-o, --output text|json|jsonl")
	assert.NotContains(t, out, "--json ", "the alias is hidden")
}

// The connection flags are the temporal CLI's, bound to the variables and
// profiles envconfig reads: a flag wins over its variable, which wins over
// the config file's profile.
func TestConnectionFlags(t *testing.T) {
	config := writeFile(t, "temporal.toml", `
[profile.default]
address = "default.example:7233"
namespace = "from-file"
[profile.prod]
address = "prod.example:7233"
namespace = "prod-ns"
`)
	t.Setenv("TEMPORAL_CONFIG_FILE", config)
	t.Setenv("TEMPORAL_ADDRESS", "")
	os.Unsetenv("TEMPORAL_ADDRESS")
	t.Setenv("TEMPORAL_NAMESPACE", "from-env")
	for name, c := range map[string]struct {
		args            []string
		address, namesp string
	}{
		"the file's default profile, the variable over it": {nil, "default.example:7233", "from-env"},
		"--profile":             {[]string{"--profile", "prod"}, "prod.example:7233", "from-env"},
		"--env is the profile":  {[]string{"--env", "prod"}, "prod.example:7233", "from-env"},
		"flags over everything": {[]string{"--profile", "prod", "--address", "flag.example:7233", "--namespace", "flag-ns"}, "flag.example:7233", "flag-ns"},
	} {
		app := &App{}
		root := app.rootCommand()
		require.NoError(t, root.PersistentFlags().Parse(c.args), name)
		opts, err := app.conn.clientOptions()
		require.NoError(t, err, name)
		assert.Equal(t, c.address, opts.HostPort, name)
		assert.Equal(t, c.namesp, opts.Namespace, name)
	}
	app := &App{}
	require.NoError(t, app.rootCommand().PersistentFlags().Parse([]string{"--profile", "missing"}))
	_, err := app.conn.clientOptions()
	assert.ErrorContains(t, err, "unable to find profile missing")
}

// A command that fails says why once, on stderr, with its exit code.
func TestErrorsArePrintedOnce(t *testing.T) {
	var out, errOut bytes.Buffer
	app := &App{Stdout: &out, Stderr: &errOut, Dial: func(context.Context) (client.Client, error) {
		return nil, errors.New("cannot reach Temporal at nowhere:7233")
	}}
	code := app.Run(context.Background(), []string{"status", "network-change/ri-1"})
	assert.Equal(t, exitFailed, code)
	assert.Equal(t, 1, strings.Count(errOut.String(), "cannot reach Temporal"), errOut.String())
	assert.Empty(t, out.String())

	code, _, errText := run(t, "network-change", "--region", "Hangzhou")
	assert.Equal(t, exitBadUsage, code)
	assert.Equal(t, 1, strings.Count(errText, "Nothing was started."), errText)
}

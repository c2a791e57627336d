package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.yaml.in/yaml/v3"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/startercli"
)

// validSpec is a NetworkChange input that validates, as a service or a
// spec file would write it.
func validSpec() map[string]any {
	return map[string]any{
		"RegionId":          cloudsim.DefaultRegionID,
		"RouterInterfaceId": cloudsim.DefaultInitiatingInterfaceID,
		"TargetType":        "ECR",
		"TargetInstanceId":  cloudsim.DefaultECRID,
		"RouteEntries": []any{
			map[string]any{"RouteTableId": cloudsim.DefaultSystemRouteTableID, "DestinationCidrBlock": cloudsim.DefaultRouteCIDR1},
		},
		"VpnConnectionId": cloudsim.DefaultVpnConnectionID,
		"WaitTimeout":     "2m",
	}
}

// specWith is validSpec with fields replaced; a nil value deletes the field.
func specWith(kv ...any) map[string]any {
	s := validSpec()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(s, kv[i].(string))
		} else {
			s[kv[i].(string)] = kv[i+1]
		}
	}
	return s
}

// routeList is n distinct publishable-looking route entries.
func routeList(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"RouteTableId": cloudsim.DefaultSystemRouteTableID, "DestinationCidrBlock": fmt.Sprintf("10.1.%d.0/24", i)}
	}
	return out
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// netChangeFlags are the flags of a valid network-change start on the
// interface ri, with flag/value pairs changed: a value "" drops the flag.
// Flags given in extra are appended as they are (repeatable flags add up).
func netChangeFlags(ri string, change map[string]string, extra ...string) []string {
	flags := [][2]string{
		{"--region", cloudsim.DefaultRegionID}, {"--router-interface", ri}, {"--target", cloudsim.DefaultECRID},
		{"--route", cloudsim.DefaultSystemRouteTableID + "=" + cloudsim.DefaultRouteCIDR1}, {"--vpn-connection", cloudsim.DefaultVpnConnectionID},
	}
	args := []string{"network-change"}
	for _, f := range flags {
		v, changed := change[f[0]]
		if !changed {
			v = f[1]
		}
		if v != "" {
			args = append(args, f[0], v)
		}
	}
	return append(args, extra...)
}

// countingDial connects the starter to the test server and counts dials:
// the starter dials only once the input has passed validation.
type countingDial struct{ n atomic.Int64 }

func (d *countingDial) dial(context.Context) (client.Client, error) {
	d.n.Add(1)
	return client.NewClientFromExisting(tc, client.Options{})
}

// runStarter runs the starter command in-process, capturing its output
// (registered for TestSecrets) and turning a panic into a test failure.
func runStarter(t *testing.T, app *startercli.App, name string, args []string) (code int, stdout, stderr string) {
	t.Helper()
	out, errOut := newCapture(t.Name()+"/"+name+"/stdout"), newCapture(t.Name()+"/"+name+"/stderr")
	app.Stdout, app.Stderr = out, errOut
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("starter %v panicked: %v", args, r)
				code = -1
			}
		}()
		code = app.Run(stacktest.Ctx(t, time.Minute), args)
	}()
	return code, out.String(), errOut.String()
}

// TestBadInputThroughTheStarter: malformed inputs through the starter's
// flags and spec files. Each exits 2, stderr names the problem, the
// starter never dials Temporal, and no workflow is started (the
// visibility store finds none, and none of the IDs the starter would use).
func TestBadInputThroughTheStarter(t *testing.T) {
	needStack(t)
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, data, 0o600))
		return path
	}
	huge := "ri-" + strings.Repeat("x", 100_000)
	routes51 := []string{}
	for i := range 51 {
		routes51 = append(routes51, "--route", fmt.Sprintf("%s=10.1.%d.0/24", cloudsim.DefaultSystemRouteTableID, i))
	}
	ri := func(n int) string { return fmt.Sprintf("ri-badcli%03d", n) }
	cases := []struct {
		name string
		args []string
		want string
		id   string // a workflow ID the starter would have used, that must not exist
	}{
		{"no flags", []string{"network-change"}, "RegionId is required", ""},
		{"no region", netChangeFlags(ri(1), map[string]string{"--region": ""}), "RegionId is required", "network-change/" + ri(1)},
		{"bad region", netChangeFlags(ri(2), map[string]string{"--region": "CN_HANGZHOU"}), `RegionId "CN_HANGZHOU" is not a region ID`, "network-change/" + ri(2)},
		{"upper-case interface ID", netChangeFlags("ri-ABC", nil), `RouterInterfaceId "ri-ABC" is not an ID of the form ri-`, "network-change/ri-ABC"},
		{"interface ID of another kind", netChangeFlags("vpc-123", nil), `RouterInterfaceId "vpc-123" is not an ID of the form ri-`, "network-change/vpc-123"},
		{"unknown target type", netChangeFlags(ri(3), nil, "--target-type", "TR"), `TargetType "TR" is not supported: the PublishVpcRouteEntries document names ECR as the only target type`, "network-change/" + ri(3)},
		{"empty target ID", netChangeFlags(ri(4), map[string]string{"--target": "ecr-"}), `TargetInstanceId "ecr-" is not an ID`, "network-change/" + ri(4)},
		{"route without =", netChangeFlags(ri(5), map[string]string{"--route": "vtb-abc"}), "want ROUTE_TABLE_ID=CIDR", ""},
		{"route with a bad CIDR", netChangeFlags(ri(6), map[string]string{"--route": "vtb-abc=10.0.0.300/24"}), `"10.0.0.300/24" is not a CIDR block`, "network-change/" + ri(6)},
		{"route with host bits", netChangeFlags(ri(7), map[string]string{"--route": "vtb-abc=10.0.0.1/24"}), "has host bits set; the route's destination is 10.0.0.0/24", "network-change/" + ri(7)},
		{"duplicate routes", netChangeFlags(ri(8), nil, "--route", cloudsim.DefaultSystemRouteTableID+"="+cloudsim.DefaultRouteCIDR1), "RouteEntries[1] repeats RouteEntries[0]", "network-change/" + ri(8)},
		{"51 routes", netChangeFlags(ri(9), map[string]string{"--route": ""}, routes51...), "RouteEntries has 51 entries; PublishVpcRouteEntries takes at most 50", "network-change/" + ri(9)},
		{"page size 0", netChangeFlags(ri(10), nil, "--page-size", "0"), "PageSize 0 is out of range 1..50", "network-change/" + ri(10)},
		{"page size 51", netChangeFlags(ri(11), nil, "--page-size", "51"), "PageSize 51 is out of range 1..50", "network-change/" + ri(11)},
		{"page size not a number", netChangeFlags(ri(12), nil, "--page-size", "fifty"), `not an integer: "fifty"`, ""},
		{"negative wait timeout", netChangeFlags(ri(13), nil, "--wait-timeout", "-1m"), "WaitTimeout -1m0s is negative", "network-change/" + ri(13)},
		{"wait timeout over a day", netChangeFlags(ri(14), nil, "--wait-timeout", "25h"), "WaitTimeout 25h0m0s is longer than 24h0m0s", "network-change/" + ri(14)},
		{"wait timeout not a duration", netChangeFlags(ri(15), nil, "--wait-timeout", "ten"), `invalid argument "ten" for "--wait-timeout" flag: not a duration`, ""},
		{"unknown expected route type", netChangeFlags(ri(16), nil, "--expect", "static:10.0.0.0/24"), `RouteEntryType "static" is not one of custom, bgp`, "network-change/" + ri(16)},
		{"CEN without its owner", netChangeFlags(ri(17), nil, "--cen", cloudsim.DefaultCenID), "CrossAccount.BindUid is required", "network-change/" + ri(17)},
		{"stray argument", netChangeFlags(ri(18), nil, "now"), `unexpected arguments ["now"]`, ""},
		{"misspelt flag", netChangeFlags(ri(19), nil, "--regoin", "cn-hangzhou"), "unknown flag: --regoin", ""},
		{"huge interface ID", netChangeFlags(huge, nil), "(100003 bytes)", ""},
		{"unknown command", []string{"netwrk-change"}, `unknown command "netwrk-change"`, ""},
		{"connect without interface", []string{"connect", "--region", cloudsim.DefaultRegionID}, "RouterInterfaceId is required", ""},
		{"publish without routes", []string{"publish", "--region", cloudsim.DefaultRegionID, "--target", cloudsim.DefaultECRID}, "RouteEntries is empty", ""},
		{"verify without expected routes", []string{"verify", "--region", cloudsim.DefaultRegionID, "--vpn-connection", cloudsim.DefaultVpnConnectionID}, "ExpectedRoutes is empty", ""},
		{"APIG without gateway", []string{"apig-endpoints"}, "InstanceId is required", ""},
		{"APIG limit 501", []string{"apig-endpoints", "--instance", cloudsim.DefaultAPIGInstanceID, "--limit", "501"}, "Limit 501 is out of range 1..500", ""},
		{"APIG unknown status", []string{"apig-endpoints", "--instance", cloudsim.DefaultAPIGInstanceID, "--status", "bogus"}, `Status "bogus" is not one of`, ""},
		{"APIG duplicate endpoint", []string{"apig-endpoints", "--instance", cloudsim.DefaultAPIGInstanceID,
			"--wait-accepted", cloudsim.DefaultEndpointConnectionPendingID, "--wait-accepted", cloudsim.DefaultEndpointConnectionPendingID}, "WaitForAccepted[1] repeats WaitForAccepted[0]", ""},

		{"spec file missing", []string{"network-change", "-f", filepath.Join(dir, "nope.json")}, "spec file: open", ""},
		{"spec file of another kind", []string{"network-change", "-f", file("change.txt", mustJSON(validSpec()))}, "want a .json, .yaml or .yml file", ""},
		{"spec JSON syntax error", []string{"network-change", "-f", file("syntax.json", []byte(`{"RegionId": "cn-hangzhou",`))}, "unexpected EOF", ""},
		{"spec unknown field", []string{"network-change", "-f", file("typo.json", mustJSON(specWith("RouteEntrys", routeList(1))))}, `unknown field "RouteEntrys"`, ""},
		{"spec page size as text", []string{"network-change", "-f", file("pagesize.json", mustJSON(specWith("PageSize", "50")))}, `"PageSize" (line 1) is a JSON string where a number is wanted`, ""},
		{"spec timeout as a number", []string{"network-change", "-f", file("timeout.json", mustJSON(specWith("WaitTimeout", 600)))}, "WaitTimeout", ""},
		{"spec negative timeout", []string{"network-change", "-f", file("negative.json", mustJSON(specWith("WaitTimeout", "-5m")))}, "WaitTimeout -5m0s is negative", ""},
		{"spec two JSON values", []string{"network-change", "-f", file("two.json", append(mustJSON(validSpec()), mustJSON(validSpec())...))}, "more than one JSON value", ""},
		{"spec null", []string{"network-change", "-f", file("null.json", []byte("null"))}, "RegionId is required", ""},
		{"spec array", []string{"network-change", "-f", file("array.json", []byte("[]"))}, "the input (line 1) is a JSON array where an object is wanted", ""},
		{"spec 51 routes", []string{"network-change", "-f", file("routes51.json", mustJSON(specWith("RouteEntries", routeList(51))))}, "RouteEntries has 51 entries", ""},
		{"spec huge string", []string{"network-change", "-f", file("huge.json", mustJSON(specWith("RouterInterfaceId", "ri-"+strings.Repeat("y", 200_000))))}, "(200003 bytes)", ""},
		{"spec over 1 MiB", []string{"network-change", "-f", file("big.json", mustJSON(specWith("RouterInterfaceId", strings.Repeat("z", 1<<20))))}, "is larger than 1048576 bytes", ""},
		{"spec YAML unknown field", []string{"network-change", "-f", file("typo.yaml", []byte("RegionId: cn-hangzhou\nRegion: cn-hangzhou\n"))}, `unknown field "Region"`, ""},
		{"spec YAML duplicate routes", []string{"network-change", "-f", file("dup.yaml", []byte(
			"RegionId: cn-hangzhou\nRouterInterfaceId: ri-badyaml\nTargetType: ECR\nTargetInstanceId: ecr-a1\nVpnConnectionId: vco-a1\n"+
				"RouteEntries:\n  - {RouteTableId: vtb-a1, DestinationCidrBlock: 10.0.0.0/24}\n  - {RouteTableId: vtb-a1, DestinationCidrBlock: 10.0.0.0/24}\n"))},
			"RouteEntries[1] repeats RouteEntries[0]", "network-change/ri-badyaml"},
		{"spec YAML number keys", []string{"network-change", "-f", file("keys.yaml", []byte("1: one\n2: two\n"))}, "spec file", ""},
		{"spec YAML empty", []string{"network-change", "-f", file("empty.yaml", []byte("# nothing\n"))}, "is empty", ""},
		{"spec YAML not YAML", []string{"network-change", "-f", file("tabs.yaml", []byte("RegionId: [cn-hangzhou\n"))}, "spec file", ""},
	}
	require.GreaterOrEqual(t, len(cases), 30)

	var dials countingDial
	app := &startercli.App{Dial: dials.dial, Namespace: temporalSrv.Namespace(), UIBase: "http://127.0.0.1:1"}
	since := time.Now().UTC()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := dials.n.Load()
			code, stdout, stderr := runStarter(t, app, c.name, c.args)
			assert.Equal(t, 2, code, "exit code; stdout %q, stderr %q", stdout, truncateForLog(stderr))
			assert.Contains(t, stderr, c.want, "stderr names the problem")
			assert.Equal(t, before, dials.n.Load(), "the starter did not even dial Temporal")
			assert.Less(t, len(stderr), 64<<10, "the message stays readable, whatever the input's size")
			if c.id != "" {
				_, err := tc.DescribeWorkflowExecution(stacktest.Ctx(t, 10*time.Second), c.id, "")
				assert.True(t, notFound(err), "workflow %s: %v", c.id, err)
			}
		})
	}

	// A valid start through the same harness does start a workflow, and the
	// visibility query that finds it finds nothing else started meanwhile.
	code, _, stderr := runStarter(t, app, "valid", netChangeFlags("ri-badclivalid", nil, "-o", "json"))
	require.Equal(t, 0, code, stderr)
	require.EqualValues(t, 1, dials.n.Load())
	t.Cleanup(func() { terminateIfRunning(tc, "network-change/ri-badclivalid", "") })
	query := fmt.Sprintf("StartTime >= '%s'", since.Format(time.RFC3339Nano))
	ctx := stacktest.Ctx(t, 30*time.Second)
	var ids []string
	waitFor(ctx, t, "the valid start to be visible", func() (bool, string) {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return false, err.Error()
		}
		ids = ids[:0]
		for _, e := range resp.GetExecutions() {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		return len(ids) >= 1, fmt.Sprint(ids)
	})
	assert.Equal(t, []string{"network-change/ri-badclivalid"}, ids, "the %d bad inputs started nothing", len(cases))
	measured(t, "%d malformed starter inputs: exit 2, problem named, no dial, no workflow; the one valid start is the only workflow started", len(cases))
}

func truncateForLog(s string) string {
	if len(s) > 500 {
		return s[:500] + "..."
	}
	return s
}

// rawCase is an input a service sends by workflow type name.
type rawCase struct {
	name     string
	workflow string
	args     []any
	want     string
}

// TestBadInputFromAService: malformed JSON inputs a service in any
// language could send, started by workflow type name with plain maps and
// values. Each workflow fails at once with an ApplicationError of type
// InvalidInput naming the problem; no activity is scheduled, no workflow
// task fails, cloudsim sees no call and the worker process keeps running.
func TestBadInputFromAService(t *testing.T) {
	needStack(t)
	cloud := startCloud(t, nil, 20)
	w := startWorker(t, "worker", workerConfig{cloud: cloud})
	nc := contract.NetworkChange.Type
	one := func(v any) []any { return []any{v} }
	route := func(table, cidr string) []any {
		return []any{map[string]any{"RouteTableId": table, "DestinationCidrBlock": cidr}}
	}
	apig := func(kv ...any) []any {
		in := map[string]any{"InstanceId": cloudsim.DefaultAPIGInstanceID}
		for i := 0; i < len(kv); i += 2 {
			in[kv[i].(string)] = kv[i+1]
		}
		return one(in)
	}
	dup := append(routeList(2), routeList(1)...)
	cases := []rawCase{
		{"empty object", nc, one(map[string]any{}), "RegionId is required"},
		{"no region", nc, one(specWith("RegionId", nil)), "RegionId is required"},
		{"no interface", nc, one(specWith("RouterInterfaceId", nil)), "RouterInterfaceId is required"},
		{"interface ID with underscore", nc, one(specWith("RouterInterfaceId", "ri_abc")), `RouterInterfaceId "ri_abc" is not an ID`},
		{"interface ID upper case", nc, one(specWith("RouterInterfaceId", "RI-ABC")), `RouterInterfaceId "RI-ABC" is not an ID`},
		{"empty target ID", nc, one(specWith("TargetInstanceId", "ecr-")), `TargetInstanceId "ecr-" is not an ID`},
		{"VPN connection ID upper case", nc, one(specWith("VpnConnectionId", "vco-UPPER")), `VpnConnectionId "vco-UPPER" is not an ID`},
		{"no routes", nc, one(specWith("RouteEntries", nil)), "RouteEntries is empty"},
		{"empty routes", nc, one(specWith("RouteEntries", []any{})), "RouteEntries is empty"},
		{"51 routes", nc, one(specWith("RouteEntries", routeList(51))), "RouteEntries has 51 entries"},
		{"duplicate routes", nc, one(specWith("RouteEntries", dup)), "RouteEntries[2] repeats RouteEntries[0]"},
		{"prefix length 33", nc, one(specWith("RouteEntries", route(cloudsim.DefaultSystemRouteTableID, "10.0.0.0/33"))), `"10.0.0.0/33" is not a CIDR block`},
		{"not a CIDR", nc, one(specWith("RouteEntries", route(cloudsim.DefaultSystemRouteTableID, "not-a-cidr"))), `"not-a-cidr" is not a CIDR block`},
		{"CIDR with host bits", nc, one(specWith("RouteEntries", route(cloudsim.DefaultSystemRouteTableID, "10.10.1.1/24"))), "has host bits set"},
		{"empty route table ID", nc, one(specWith("RouteEntries", route("vtb-", "10.10.1.0/24"))), `RouteTableId "vtb-" is not an ID`},
		{"unknown target type", nc, one(specWith("TargetType", "TR")), `TargetType "TR" is not supported: the PublishVpcRouteEntries document names ECR as the only target type`},
		{"no target type", nc, one(specWith("TargetType", nil)), "TargetType is required"},
		{"lower-case target type", nc, one(specWith("TargetType", "ecr")), `TargetType "ecr" is not supported`},
		{"page size 0", nc, one(specWith("PageSize", 0)), "PageSize 0 is out of range 1..50"},
		{"page size 51", nc, one(specWith("PageSize", 51)), "PageSize 51 is out of range 1..50"},
		{"page size -1", nc, one(specWith("PageSize", -1)), "PageSize -1 is out of range 1..50"},
		{"negative timeout", nc, one(specWith("WaitTimeout", "-5m")), "WaitTimeout -5m0s is negative"},
		{"timeout over a day", nc, one(specWith("WaitTimeout", "25h")), "longer than 24h0m0s"},
		{"timeout as a number", nc, one(specWith("WaitTimeout", 600)), "WaitTimeout"},
		{"timeout in words", nc, one(specWith("WaitTimeout", "ten minutes")), "ten minutes"},
		{"unknown field", nc, one(specWith("RouteEntrys", routeList(1))), `unknown field "RouteEntrys"`},
		{"unknown nested field", nc, one(specWith("RouteEntries", []any{map[string]any{"RouteTableId": cloudsim.DefaultSystemRouteTableID, "Destination": "10.10.1.0/24"}})), `unknown field "Destination"`},
		{"huge interface ID", nc, one(specWith("RouterInterfaceId", "ri-"+strings.Repeat("a", 200_000))), "(200003 bytes)"},
		{"huge region", nc, one(specWith("RegionId", strings.Repeat("cn-", 40_000))), "(120000 bytes)"},
		{"region as a number", nc, one(specWith("RegionId", 123)), `"RegionId" (line 1) is a JSON number where a string is wanted`},
		{"routes as a string", nc, one(specWith("RouteEntries", "10.0.0.0/24")), `"RouteEntries" (line 1) is a JSON string where a list is wanted`},
		{"page size as a string", nc, one(specWith("PageSize", "50")), `"PageSize" (line 1) is a JSON string where a number is wanted`},
		{"cross-account as a string", nc, one(specWith("CrossAccount", cloudsim.DefaultCenID)), `"CrossAccount" (line 1) is a JSON string where an object is wanted`},
		{"CEN owner as a string", nc, one(specWith("CrossAccount", map[string]any{"BindInstance": cloudsim.DefaultCenID, "BindUid": "1210123456123456"})), `"CrossAccount.BindUid" (line 1) is a JSON string where a number is wanted`},
		{"CEN owner 0", nc, one(specWith("CrossAccount", map[string]any{"BindInstance": cloudsim.DefaultCenID, "BindUid": 0})), "CrossAccount.BindUid is required"},
		{"unknown expected route type", nc, one(specWith("ExpectedRoutes", []any{map[string]any{"DestinationCidrBlock": "10.10.1.0/24", "RouteEntryType": "static"}})), `RouteEntryType "static" is not one of custom, bgp`},
		{"input is a string", nc, one("connect ri-bp1cloudsiminit0001 please"), "the input (line 1) is a JSON string where an object is wanted"},
		{"input is a number", nc, one(42), "the input (line 1) is a JSON number where an object is wanted"},
		{"input is an array", nc, one([]any{validSpec()}), "the input (line 1) is a JSON array where an object is wanted"},
		{"input is null", nc, one(nil), "RegionId is required"},
		{"no input at all", nc, nil, "RegionId is required"},
		{"connect: bad interface", contract.ConnectRouterInterface.Type, one(map[string]any{"RegionId": cloudsim.DefaultRegionID, "RouterInterfaceId": "ri-"}), `RouterInterfaceId "ri-" is not an ID`},
		{"publish: 51 routes", contract.PublishVpcRoutes.Type, one(map[string]any{"RegionId": cloudsim.DefaultRegionID, "TargetType": "ECR",
			"TargetInstanceId": cloudsim.DefaultECRID, "RouteEntries": routeList(51)}), "RouteEntries has 51 entries"},
		{"verify: no expected routes", contract.VerifyVpnRoutes.Type, one(map[string]any{"RegionId": cloudsim.DefaultRegionID, "VpnConnectionId": cloudsim.DefaultVpnConnectionID}), "ExpectedRoutes is empty"},
		{"APIG: limit 0", contract.ApigEndpointConnections.Type, apig("Limit", 0), "Limit 0 is out of range 1..500"},
		{"APIG: limit 501", contract.ApigEndpointConnections.Type, apig("Limit", 501), "Limit 501 is out of range 1..500"},
		{"APIG: unknown status", contract.ApigEndpointConnections.Type, apig("Status", "bogus"), `Status "bogus" is not one of`},
		{"APIG: negative marker", contract.ApigEndpointConnections.Type, apig("MarkerId", -1), "MarkerId -1 is negative"},
		{"APIG: gateway ID with a space", contract.ApigEndpointConnections.Type, apig("InstanceId", "gateway one"), `InstanceId "gateway one" is not an ID`},
		{"APIG: duplicate endpoint", contract.ApigEndpointConnections.Type, apig("WaitForAccepted", []any{cloudsim.DefaultEndpointConnectionPendingID, cloudsim.DefaultEndpointConnectionPendingID}), "WaitForAccepted[1] repeats WaitForAccepted[0]"},
		{"APIG: unknown field", contract.ApigEndpointConnections.Type, apig("Limits", 5), `unknown field "Limits"`},
	}
	require.GreaterOrEqual(t, len(cases), 30)

	var mu sync.Mutex
	refused := 0
	t.Run("cases", func(t *testing.T) {
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				runRawCase(t, i, c)
				if !t.Failed() {
					mu.Lock()
					refused++
					mu.Unlock()
				}
			})
		}
	})
	assert.Zero(t, cloud.CallCount(""), "no cloud call for any bad input")
	assert.True(t, w.alive(), "the worker process did not crash")
	measured(t, "%d of %d malformed service inputs failed at once with InvalidInput; cloudsim saw %d calls", refused, len(cases), cloud.CallCount(""))
}

// runRawCase starts one raw input by type name and checks its refusal.
func runRawCase(t *testing.T, i int, c rawCase) {
	ctx := stacktest.Ctx(t, time.Minute)
	run := startWorkflow(ctx, t, tc, stacktest.ID(t, fmt.Sprintf("raw-%02d", i)), c.workflow, temporal.SearchAttributes{}, c.args...)
	err := run.Get(ctx, nil)
	require.Error(t, err, "the workflow must refuse the input")
	require.Equal(t, contract.InvalidInputType, stacktest.FailureType(err), "%v", err)
	assert.Contains(t, err.Error(), c.want)
	assert.Less(t, len(err.Error()), 8<<10, "the failure stays readable, whatever the input's size")
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	assert.True(t, appErr.NonRetryable())
	var problems []string
	if assert.NoError(t, appErr.Details(&problems)) {
		assert.NotEmpty(t, problems, "the details list the problems")
	}
	events, err := fullHistory(ctx, tc, run.GetID(), run.GetRunID())
	require.NoError(t, err)
	assert.Zero(t, countEvents(events, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), "refused before any activity")
	assert.Zero(t, countEvents(events, enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED), "no workflow task failed")
}

// FuzzStarterSpec feeds arbitrary spec files to the starter's
// network-change command and checks it against the workflow's own decoding
// and validation: the starter never panics; it refuses (exit 2, without
// dialing Temporal) exactly the specs the workflow would refuse; and what
// it lets through still validates after the JSON round trip to the worker.
// Plain `go test` runs the seeds.
func FuzzStarterSpec(f *testing.F) {
	for _, s := range []map[string]any{
		validSpec(),
		specWith("RouteEntrys", routeList(1)),
		specWith("RouteEntries", routeList(51)),
		specWith("RouteEntries", append(routeList(2), routeList(1)...)),
		specWith("PageSize", 0), specWith("PageSize", 51), specWith("PageSize", "50"),
		specWith("WaitTimeout", "-5m"), specWith("WaitTimeout", 600), specWith("WaitTimeout", "25h"),
		specWith("TargetType", "TR"), specWith("RegionId", 123),
		specWith("CrossAccount", map[string]any{"BindInstance": cloudsim.DefaultCenID, "BindUid": 1210123456123456}),
		specWith("ExpectedRoutes", []any{map[string]any{"DestinationCidrBlock": "2001:db8::/32", "RouteEntryType": "custom"}}),
	} {
		f.Add(mustJSON(s), false)
	}
	for _, s := range []string{`null`, `[]`, `{}`, `"x"`, `{"RegionId":"cn-hangzhou"}{}`, `{"RegionId":"cn-hangzhou"}}`, `{"WaitTimeout":"1h"`, "\xff"} {
		f.Add([]byte(s), false)
	}
	example, err := os.ReadFile(filepath.Join("..", "..", "docs", "examples", "network-change.yaml"))
	if err == nil {
		f.Add(example, true)
	}
	for _, s := range []string{"RegionId: cn-hangzhou\nRegion: x\n", "1: one\n", "# empty\n", "RegionId: [x\n", "- a\n- b\n",
		"WaitTimeout: 10m\nPageSize: 1\n", "RouteEntries: {}\n", "RegionId: !!binary aGk=\n", "a: &a [*a]\n"} {
		f.Add([]byte(s), true)
	}
	dir := f.TempDir()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte, asYAML bool) {
		ext := ".json"
		if asYAML {
			ext = ".yaml"
		}
		path := filepath.Join(dir, fmt.Sprintf("spec-%d%s", n.Add(1), ext))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path)
		var dials atomic.Int64
		var stdout, stderr bytes.Buffer
		app := &startercli.App{Stdout: &stdout, Stderr: &stderr, UIBase: "http://127.0.0.1:1",
			Dial: func(context.Context) (client.Client, error) {
				dials.Add(1)
				return nil, errors.New("no Temporal in this test")
			}}
		code := app.Run(context.Background(), []string{"network-change", "-f", path})

		in, accepted := workflowVerdict(data, asYAML)
		switch code {
		case 2:
			if dials.Load() != 0 {
				t.Fatalf("exit 2 after dialing Temporal")
			}
			if stderr.Len() == 0 {
				t.Fatalf("exit 2 without saying why")
			}
			if accepted && len(data) <= 1<<20 {
				t.Fatalf("the starter refused a spec the workflow accepts: %s", stderr.String())
			}
		case 1:
			if dials.Load() != 1 {
				t.Fatalf("exit 1 without dialing: %s", stderr.String())
			}
			if !accepted {
				t.Fatalf("the starter let through a spec the workflow refuses: %+v", in)
			}
			// What the worker receives: the input as the SDK encodes it.
			var back contract.NetworkChangeInput
			if err := contract.DecodeInput(mustJSON(in), &back); err != nil {
				t.Fatal(err)
			}
			if err := back.Validate(); err != nil {
				t.Fatalf("valid at the starter, invalid at the worker: %v", err)
			}
		default:
			t.Fatalf("exit code %d: %s", code, stderr.String())
		}
	})
}

// workflowVerdict decodes a spec the way the worker decodes its input
// (strictly, as contract.StrictInputs does: an unknown field is a problem;
// for YAML, after the generic YAML-to-JSON conversion the starter
// documents) and says whether it is a single valid input.
func workflowVerdict(data []byte, asYAML bool) (contract.NetworkChangeInput, bool) {
	var in contract.NetworkChangeInput
	if asYAML {
		var generic any
		if yaml.Unmarshal(data, &generic) != nil || generic == nil {
			return in, false
		}
		var err error
		if data, err = json.Marshal(generic); err != nil {
			return in, false
		}
	}
	// One JSON value and nothing after it: the starter sends one input.
	dec := json.NewDecoder(bytes.NewReader(data))
	var one json.RawMessage
	if dec.Decode(&one) != nil || dec.More() {
		return in, false
	}
	if err := contract.DecodeInput(one, &in); err != nil {
		panic(err)
	}
	return in, in.Validate() == nil
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/startercli"
	"github.com/vpcflow/vpcflow/internal/telemetry"
)

// scrape reads the worker's /metrics.
func scrape(t *testing.T) map[string]*dto.MetricFamily { return stacktest.Metrics(t, metricsURL) }

// sum adds the values of a family's series whose labels include match.
func sum(families map[string]*dto.MetricFamily, name string, match map[string]string) float64 {
	f := families[name]
	if f == nil {
		return 0
	}
	total := 0.0
series:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range match {
			if labels[k] != v {
				continue series
			}
		}
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		}
	}
	return total
}

// The worker's /metrics counts every cloud call a change made, as the
// cloud's own call log has them, and the change's outcome, beside the
// SDK's metrics.
func TestMetricsCountWhatTheCloudSaw(t *testing.T) {
	waitWorkerIdle(t) // nothing of an earlier test calls the cloud now
	resetCloud(t)
	before := scrape(t)
	ctx := stacktest.Ctx(t, 2*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/metrics"), contract.NetworkChange.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))
	after := scrape(t)
	delta := func(name string, match map[string]string) float64 {
		return sum(after, name, match) - sum(before, name, match)
	}

	calls := telemetry.MetricCloudCalls + "_total"
	operations := []string{"DescribeVpnCrossAccountAuthorizations", "DescribeRouterInterfaces", "ConnectRouterInterface",
		"ListVpcPublishedRouteEntries", "PublishVpcRouteEntries", "DescribeVcoRouteEntries"}
	total := 0
	for _, op := range operations {
		n := stack.Cloudsim.CallCount(op)
		total += n
		assert.EqualValues(t, n, delta(calls, map[string]string{telemetry.TagOperation: op}), "%s: the metric against cloudsim's call log", op)
	}
	assert.EqualValues(t, total, delta(calls, nil), "no call is missing from the metric, and none counted twice")
	assert.EqualValues(t, 1, delta(calls, map[string]string{telemetry.TagOperation: "PublishVpcRouteEntries", telemetry.TagCode: "DryRunOperation", telemetry.TagClass: "dry-run-passed"}))
	assert.EqualValues(t, 1, delta(telemetry.MetricChanges+"_total", map[string]string{telemetry.TagWorkflow: "NetworkChange", telemetry.TagOutcome: "completed"}))
	assert.Positive(t, delta(telemetry.MetricWaitReads+"_total", map[string]string{telemetry.TagWait: "WaitRouterInterfaceActive"}))
	assert.EqualValues(t, 1, delta(telemetry.MetricWaitDuration+"_seconds", map[string]string{telemetry.TagWait: "WaitVpnRoutes", telemetry.TagOutcome: "reached"}))
	for _, op := range operations {
		assert.Positive(t, delta(telemetry.MetricCloudCallLatency+"_seconds", map[string]string{telemetry.TagOperation: op}), "%s: its latency", op)
	}
	for _, sdkMetric := range []string{"temporal_workflow_completed_total", "temporal_activity_execution_latency_seconds",
		"temporal_workflow_task_schedule_to_start_latency_seconds", "temporal_request_total"} {
		assert.Contains(t, after, sdkMetric, "the SDK's own metrics are served too")
	}
}

// countFamiliesWithLabels counts the distinct values of label in a
// family.
func countFamiliesWithLabels(families map[string]*dto.MetricFamily, name, label string) int {
	seen := map[string]bool{}
	if f := families[name]; f != nil {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					seen[l.GetValue()] = true
				}
			}
		}
	}
	return len(seen)
}

// One NetworkChange started from the starter is one trace: the starter's
// start, the workflow run, each activity, and a span per cloud request
// with its operation, code and RequestId.
func TestTracesFollowAChangeFromTheStarter(t *testing.T) {
	waitWorkerIdle(t) // nothing of an earlier test calls the cloud now
	resetCloud(t)
	spans.Reset()
	tel, err := telemetry.Setup(context.Background(), telemetry.Options{Service: "vpcflow-starter", Tracer: tracer})
	require.NoError(t, err)
	var out, errOut bytes.Buffer
	app := &startercli.App{Stdout: &out, Stderr: &errOut, Namespace: stack.Temporal.Namespace(), PollInterval: 100 * time.Millisecond,
		Dial: func(context.Context) (client.Client, error) {
			return client.NewClientFromExisting(tc, tel.Apply(client.Options{}))
		}}
	ctx := stacktest.Ctx(t, 2*time.Minute)
	require.Equal(t, 0, app.Run(ctx, []string{"network-change", "-f", "../../docs/examples/network-change.yaml", "-o", "json", "--wait"}),
		"stderr: %s", errOut.String())

	all := spans.GetSpans()
	var start tracetest.SpanStub
	for _, s := range all {
		if s.Name == "StartWorkflow:NetworkChange" {
			start = s
		}
	}
	require.True(t, start.SpanContext.IsValid(), "the starter's start is a span")
	assert.False(t, start.Parent.IsValid(), "the starter's start is the root")
	trace := start.SpanContext.TraceID()
	names := map[string]tracetest.SpanStub{}
	inTrace, cloudSpans := 0, 0
	spansOf := map[string]int{}          // cloud request spans by operation
	spannedRequests := map[string]bool{} // their RequestIds
	for _, s := range all {
		if s.SpanContext.TraceID() == trace {
			names[s.Name] = s
			inTrace++
			if !strings.Contains(s.Name, ":") {
				cloudSpans++
				spansOf[s.Name]++
				for _, kv := range s.Attributes {
					if kv.Key == "vpcflow.cloud.request_id" {
						spannedRequests[kv.Value.AsString()] = true
					}
				}
			}
		}
	}
	for _, want := range []string{"RunWorkflow:NetworkChange", "StartActivity:ConnectRouterInterface", "RunActivity:ConnectRouterInterface",
		"RunActivity:WaitVpnRoutes", "ConnectRouterInterface", "PublishVpcRouteEntries", "DescribeVcoRouteEntries"} {
		assert.Contains(t, names, want, "span %s in the change's trace", want)
	}
	connect := names["ConnectRouterInterface"]
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range connect.Attributes {
		attrs[kv.Key] = kv.Value
	}
	assert.Equal(t, "OK", attrs["vpcflow.cloud.code"].AsString())
	connects := stack.Cloudsim.Calls("ConnectRouterInterface")
	require.Len(t, connects, 1)
	assert.Equal(t, connects[0].RequestID, attrs["vpcflow.cloud.request_id"].AsString(), "the span names the cloud's RequestId")
	assert.Equal(t, names["RunActivity:ConnectRouterInterface"].SpanContext.SpanID(), connect.Parent.SpanID(),
		"the cloud request is a child of its activity")
	// Every span is a request the cloud answered, each its own. The calls
	// that change the cloud are this change's alone: one span each. (A
	// read may come from a wait of an earlier test's workflow, ended but
	// still polling until its next heartbeat: not in this trace.)
	answered := map[string]bool{}
	for _, c := range stack.Cloudsim.Calls("") {
		answered[c.RequestID] = true
	}
	assert.Len(t, spannedRequests, cloudSpans, "a RequestId per span")
	for id := range spannedRequests {
		assert.True(t, answered[id], "span RequestId %s is one cloudsim answered", id)
	}
	for _, op := range []string{"ConnectRouterInterface", "PublishVpcRouteEntries"} {
		assert.Equal(t, stack.Cloudsim.CallCount(op), spansOf[op], "a span per %s request", op)
	}
	t.Logf("%d spans in the change's trace (%d names), %d of them cloud requests", inTrace, len(names), cloudSpans)
}

// The Grafana dashboard in deploy/ charts only metrics the worker serves:
// after a change that is throttled and retried and one that fails for
// good, every metric its queries name is on /metrics, with the labels
// they group by.
func TestTheDashboardChartsMetricsTheWorkerServes(t *testing.T) {
	waitWorkerIdle(t) // nothing of an earlier test calls the cloud now
	resetCloud(t)
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{
		{Action: "ConnectRouterInterface", Count: 2, Code: "Throttling.User", Status: 400},
	}}))
	ctx := stacktest.Ctx(t, 3*time.Minute)
	run, err := tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/dashboard"), contract.NetworkChange.Type, simclients.DefaultNetworkChange())
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))
	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{
		{Action: "PublishVpcRouteEntries", Count: 1, Code: "Forbidden.OperateCustomRouteTable", Status: 400},
	}}))
	failing := simclients.DefaultNetworkChange()
	failing.RouteEntries = []contract.RouteEntry{routeEntry(cloudsim.DefaultRouteCIDR3)} // not published by the first
	run, err = tc.ExecuteWorkflow(ctx, startOptions(t, "network-change/dashboard-fails"), contract.NetworkChange.Type, failing)
	require.NoError(t, err)
	require.Error(t, run.Get(ctx, nil))
	time.Sleep(1500 * time.Millisecond) // one count of the open changes (every second here)
	served := scrape(t)

	data, err := os.ReadFile("../../deploy/grafana/vpcflow-dashboard.json")
	require.NoError(t, err)
	var dashboard struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	require.NoError(t, json.Unmarshal(data, &dashboard))
	require.NotEmpty(t, dashboard.Panels)
	metricName := regexp.MustCompile(`\b(?:vpcflow|temporal)_[a-z0-9_]+`)
	grouping := regexp.MustCompile(`by \(([^)]*)\)`)
	checked := 0
	for _, panel := range dashboard.Panels {
		require.NotEmpty(t, panel.Targets, panel.Title)
		for _, target := range panel.Targets {
			names := metricName.FindAllString(target.Expr, -1)
			require.NotEmpty(t, names, "%s: %s names no metric", panel.Title, target.Expr)
			for _, name := range names {
				family := served[name]
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if family == nil && strings.HasSuffix(name, suffix) {
						family = served[strings.TrimSuffix(name, suffix)]
					}
				}
				if !assert.NotNil(t, family, "%s: the worker serves no %s", panel.Title, name) {
					continue
				}
				checked++
				for _, g := range grouping.FindAllStringSubmatch(target.Expr, -1) {
					for _, label := range strings.Split(g[1], ",") {
						if label = strings.TrimSpace(label); label != "le" {
							assert.Positive(t, countFamiliesWithLabels(served, family.GetName(), label),
								"%s: %s has no label %q", panel.Title, family.GetName(), label)
						}
					}
				}
			}
		}
	}
	t.Logf("%d panels, %d metric references, each served", len(dashboard.Panels), checked)
}

// waitWorkerIdle waits until the shared worker runs no activity: a wait of
// an earlier test's workflow, cancelled or terminated, polls the cloud
// until its next heartbeat tells it so (up to a third of its heartbeat
// timeout), and its reads would land in this test's call log.
func waitWorkerIdle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		served := scrape(t)
		require.Contains(t, served, "temporal_worker_task_slots_used", "the worker reports its busy slots")
		require.Positive(t, countFamiliesWithLabels(served, "temporal_worker_task_slots_used", "worker_type"))
		busy := sum(served, "temporal_worker_task_slots_used", map[string]string{"worker_type": "ActivityWorker"}) +
			sum(served, "temporal_worker_task_slots_used", map[string]string{"worker_type": "LocalActivityWorker"})
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shared worker still runs %v activities after a minute", busy)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

package telemetry_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/devstack"
	"github.com/vpcflow/vpcflow/internal/simclients"
	"github.com/vpcflow/vpcflow/internal/stacktest"
	"github.com/vpcflow/vpcflow/internal/telemetry"
	"github.com/vpcflow/vpcflow/internal/workerapp"
)

// Every alert docs/operations.md proposes ("What to alert on") is PromQL
// that Prometheus parses, and selects only metrics a running worker serves,
// filtered and grouped only by labels they have: a worker (the same wiring
// as ./worker, on an in-memory Temporal and cloudsim) runs changes, and its
// /metrics is what the expressions are checked against. An endpoint an
// alert names (`/livez`) is one the worker answers.
func TestEveryAlertSelectsWhatTheWorkerServes(t *testing.T) {
	alerts := alertsOf(t, "../../docs/operations.md")
	require.NotEmpty(t, alerts)
	w := runWorker(t)

	checked, endpoints := 0, 0
	promql := parser.NewParser(parser.Options{})
	for _, a := range alerts {
		for _, text := range a.expressions {
			if strings.HasPrefix(text, "/") {
				resp, err := http.Get(w.healthBase + text)
				if assert.NoError(t, err, "%s: %s", a.name, text) {
					_ = resp.Body.Close()
					assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: the worker answers %s", a.name, text)
				}
				endpoints++
				continue
			}
			expr, err := promql.ParseExpr(text)
			if !assert.NoError(t, err, "%s: %s", a.name, text) {
				continue
			}
			for _, problem := range w.served.check(expr) {
				t.Errorf("%s: %s: %s", a.name, text, problem)
			}
			checked++
		}
	}
	t.Logf("%d alerts: %d PromQL expressions parsed and checked against the %d metric families the worker serves, %d endpoints answered",
		len(alerts), checked, len(w.served), endpoints)
}

// The check itself: a metric the worker does not serve, or a label the
// metric does not have, is a problem.
func TestTheAlertCheckFindsWhatIsNotServed(t *testing.T) {
	served := servedMetrics{
		telemetry.MetricChanges + "_total":                         {telemetry.TagWorkflow: true, telemetry.TagOutcome: true, telemetry.TagErrorType: true},
		"temporal_workflow_task_schedule_to_start_latency_seconds": {"task_queue": true, "le": true},
	}
	promql := parser.NewParser(parser.Options{})
	for expr, want := range map[string][]string{
		`sum by (workflow) (increase(vpcflow_changes_total{outcome="failed"}[15m])) > 0`:                                                   nil,
		`histogram_quantile(0.95, sum by (le) (rate(temporal_workflow_task_schedule_to_start_latency_seconds_bucket[5m])))`:                nil,
		`sum by (instance) (vpcflow_changes_total{job="vpcflow-worker"})`:                                                                  nil,
		`absent(up{job="vpcflow-worker"} == 1)`:                                                                                            nil,
		`sum by (code) (increase(vpcflow_changes_total[1h]))`:                                                                              {`vpcflow_changes_total has no label "code"`},
		`vpcflow_changes_total{code="OK"}`:                                                                                                 {`vpcflow_changes_total has no label "code"`},
		`increase(vpcflow_change_total[1h]) > 0`:                                                                                           {"the worker serves no vpcflow_change_total"},
		`sum without (worker_type) (vpcflow_changes_total)`:                                                                                {`vpcflow_changes_total has no label "worker_type"`},
		`sum by (workflow) (vpcflow_changes_total) / on (operation) sum by (workflow) (vpcflow_changes_total)`:                             {`vpcflow_changes_total has no label "operation"`, `vpcflow_changes_total has no label "operation"`},
		`histogram_quantile(0.95, sum by (le, workflow_type) (rate(temporal_workflow_task_schedule_to_start_latency_seconds_bucket[5m])))`: {`temporal_workflow_task_schedule_to_start_latency_seconds_bucket has no label "workflow_type"`},
	} {
		parsed, err := promql.ParseExpr(expr)
		require.NoError(t, err, expr)
		assert.Equal(t, want, served.check(parsed), expr)
	}
}

// An alert of docs/operations.md: its name (first column) and the text
// in backquotes of its expression column (second): PromQL, or an endpoint
// of the worker ("/livez").
type alert struct {
	name        string
	expressions []string
}

// alertsOf reads the table under "### What to alert on" of a Markdown
// file.
func alertsOf(t *testing.T, path string) []alert {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	start := slices.Index(lines, "### What to alert on")
	require.NotEqual(t, -1, start, "%s has no section \"### What to alert on\"", path)
	backquoted := regexp.MustCompile("`([^`]+)`")
	var alerts []alert
	inTable := false
	for _, line := range lines[start+1:] {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := tableCells(line)
		require.GreaterOrEqual(t, len(cells), 3, "%s: a row of the alert table with fewer than 3 columns: %s", path, line)
		if cells[1] == "expression (Prometheus)" || strings.Trim(cells[1], "-: ") == "" {
			continue // the header and its rule
		}
		a := alert{name: cells[0]}
		for _, m := range backquoted.FindAllStringSubmatch(cells[1], -1) {
			a.expressions = append(a.expressions, strings.ReplaceAll(m[1], `\|`, "|"))
		}
		require.NotEmpty(t, a.expressions, "%s: the alert %q has no expression in backquotes", path, a.name)
		alerts = append(alerts, a)
	}
	return alerts
}

// tableCells splits a Markdown table row on the bars that are not escaped
// (`\|` is a bar inside a cell).
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(strings.TrimSuffix(row, "|"), "|")
	var cells []string
	var cell strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			cell.WriteString(`\|`)
			i++
		case row[i] == '|':
			cells = append(cells, strings.TrimSpace(cell.String()))
			cell.Reset()
		default:
			cell.WriteByte(row[i])
		}
	}
	return append(cells, strings.TrimSpace(cell.String()))
}

// servedMetrics are the metric families a worker serves, by Prometheus
// name, with the labels of their series (a histogram's "le" included).
type servedMetrics map[string]map[string]bool

// Prometheus adds to every series it scrapes the target's labels, and
// makes "up" itself for each target: an alert may use them, though no
// /metrics serves them.
var (
	targetLabels = []string{"job", "instance"}
	scrapeSeries = map[string][]string{"up": targetLabels}
)

// labelsOf are the labels of the series a selector's metric name selects:
// a histogram's _bucket, _count and _sum are its family's series; nil when
// the worker serves no such metric.
func (s servedMetrics) labelsOf(name string) map[string]bool {
	if own, ok := scrapeSeries[name]; ok {
		return setOf(own...)
	}
	if l, ok := s[name]; ok {
		return l
	}
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		if l, ok := s[strings.TrimSuffix(name, suffix)]; ok && strings.HasSuffix(name, suffix) {
			if suffix != "_bucket" {
				l = without(l, "le")
			}
			return l
		}
	}
	return nil
}

// check lists what expr selects that the worker does not serve: a metric,
// a label a selector filters on, a label an aggregation groups by (or
// drops), a label a binary operation matches on.
func (s servedMetrics) check(expr parser.Expr) []string {
	var problems []string
	hasLabel := func(name, label string) bool {
		return s.labelsOf(name)[label] || slices.Contains(targetLabels, label)
	}
	// checkLabels checks that every metric selected under node has each
	// label.
	checkLabels := func(node parser.Node, labelNames []string) {
		for _, name := range selectedNames(node) {
			if s.labelsOf(name) == nil {
				continue // said once, at its selector
			}
			for _, label := range labelNames {
				if !hasLabel(name, label) {
					problems = append(problems, fmt.Sprintf("%s has no label %q", name, label))
				}
			}
		}
	}
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			name := metricName(n)
			if s.labelsOf(name) == nil {
				problems = append(problems, "the worker serves no "+name)
				return nil
			}
			for _, m := range n.LabelMatchers {
				if m.Name != model.MetricNameLabel && !hasLabel(name, m.Name) {
					problems = append(problems, fmt.Sprintf("%s has no label %q", name, m.Name))
				}
			}
		case *parser.AggregateExpr:
			checkLabels(n.Expr, n.Grouping)
		case *parser.BinaryExpr:
			if n.VectorMatching != nil {
				matching := append(append([]string(nil), n.VectorMatching.MatchingLabels...), n.VectorMatching.Include...)
				checkLabels(n.LHS, matching)
				checkLabels(n.RHS, matching)
			}
		}
		return nil
	})
	return problems
}

// selectedNames are the metric names the selectors under node select.
func selectedNames(node parser.Node) []string {
	var names []string
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			names = append(names, metricName(vs))
		}
		return nil
	})
	return names
}

// metricName is the name a selector selects: written before its braces,
// or as {__name__="..."}.
func metricName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return "(a selector without a metric name)"
}

func setOf(names ...string) map[string]bool {
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	return set
}

func without(set map[string]bool, name string) map[string]bool {
	out := map[string]bool{}
	for k := range set {
		if k != name {
			out[k] = true
		}
	}
	return out
}

// recordedOnEvents are the metrics an alert uses that the worker records
// only on an event this test does not cause, each with the tags the code
// that records it gives and the served metric recorded through the same
// metrics handler (whose labels, less its own tags, the SDK adds to both:
// namespace, task queue, workflow or activity type). Keep it short: a
// metric the test can make the worker record belongs in runWorker.
var recordedOnEvents = map[string]struct {
	tags       []string // the tags its code gives it
	like       string   // served, recorded through the same handler
	likeOwnTag []string // the tags like's code gives it
}{
	// workflows/drift_check.go, in a DriftCheck's workflow code when a
	// check finds something moved (internal/e2e/drift_test.go moves it).
	telemetry.MetricDrift + "_total": {
		tags: []string{telemetry.TagKind},
		like: telemetry.MetricChanges + "_total", likeOwnTag: []string{telemetry.TagWorkflow, telemetry.TagOutcome, telemetry.TagErrorType},
	},
	// workflows/notifications.go, in workflow code when a change notifies
	// a webhook of the approval policy (internal/e2e's approval tests).
	telemetry.MetricNotifications + "_total": {
		tags: []string{telemetry.TagEvent, telemetry.TagOutcome},
		like: telemetry.MetricChanges + "_total", likeOwnTag: []string{telemetry.TagWorkflow, telemetry.TagOutcome, telemetry.TagErrorType},
	},
	// activities/observe.go, in an activity when the worker's limit of an
	// API (activities.CallLimits, its share of the account's quota)
	// would queue a call more than 5 s.
	telemetry.MetricCloudCallsHeld + "_total": {
		tags: []string{telemetry.TagOperation},
		like: telemetry.MetricCloudCalls + "_total", likeOwnTag: []string{telemetry.TagOperation, telemetry.TagCode, telemetry.TagClass},
	},
}

// aWorker is a running worker: what it serves, and where its health
// endpoints are.
type aWorker struct {
	served     servedMetrics
	healthBase string
}

// runWorker runs the worker's wiring (internal/workerapp, as ./worker
// does, through internal/devstack as internal/e2e does) on an in-memory
// Temporal server and cloudsim, with the metrics on, and makes it serve
// what its alerts select: a change that completes (cloud calls, waits,
// activity and workflow task latencies), one that fails for good
// (error_type), one that waits for approval (the open changes' gauges)
// and is evicted from a sticky cache of one workflow by the others (forced
// evictions), and a workflow of a type the worker does not have (failed
// workflow tasks, as a NonDeterminismError is counted). Then it scrapes
// /metrics.
func runWorker(t *testing.T) aWorker {
	t.Helper()
	ctx := stacktest.Ctx(t, 4*time.Minute)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	stack, err := devstack.Start(ctx, devstack.Options{InMemory: true, UIPort: -1, CloudsimAddr: "127.0.0.1:0", CloudsimSpeed: 20, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(stack.Stop)
	ready, stopWorker, err := stack.StartWorker(ctx, workerapp.Config{Logger: quiet, StopTimeout: time.Second,
		HealthAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", OpenChangesInterval: 200 * time.Millisecond,
		// One workflow in the cache: the change waiting for approval is
		// evicted while it runs, as in a worker whose cache is too small.
		StickyCacheSize: 1,
		// The worker binary's default: it turns eager activities off, so
		// activities are polled and their schedule-to-start latency
		// recorded.
		Quota: workerapp.Quota{TaskQueueActivitiesPerSecond: 10}})
	require.NoError(t, err)
	t.Cleanup(stopWorker) // before the stack stops
	opts := stack.ClientOptions()
	opts.Logger = stacktest.QuietLogger()
	c, err := client.Dial(opts)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	start := func(id, workflowType string, in any) client.WorkflowRun {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: stacktest.ID(t, id), TaskQueue: contract.TaskQueue,
			WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, workflowType, in)
		require.NoError(t, err)
		return run
	}

	waiting := simclients.DefaultNetworkChange()
	waiting.Approval = &contract.Approval{Required: true}
	awaiting := start("network-change/alerts-awaiting-approval", contract.NetworkChange.Type, waiting)
	require.NoError(t, stacktest.WaitStage(ctx, c, contract.StageAwaitingApproval, awaiting.GetID()))
	require.NoError(t, start("network-change/alerts", contract.NetworkChange.Type, simclients.DefaultNetworkChange()).Get(ctx, nil))

	require.NoError(t, stack.Cloudsim.SetFaults(cloudsim.Faults{Scripted: []cloudsim.ScriptedFault{
		{Action: "PublishVpcRouteEntries", Count: 1, Code: "Forbidden.OperateCustomRouteTable", Status: 400},
	}}))
	failing := simclients.DefaultNetworkChange()
	failing.RouteEntries = []contract.RouteEntry{{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cloudsim.DefaultRouteCIDR3}}
	require.Error(t, start("network-change/alerts-fails", contract.NetworkChange.Type, failing).Get(ctx, nil))

	unknown := start("no-such-workflow/alerts", "NoSuchWorkflow", nil)
	taskFailures := "temporal_workflow_task_execution_failed_total"
	var served servedMetrics
	require.Eventually(t, func() bool {
		served = scrape(t, ready.Metrics)
		return served[taskFailures] != nil && served[telemetry.MetricOpenChangesOld] != nil
	}, time.Minute, 200*time.Millisecond, "the worker serves %s and %s", taskFailures, telemetry.MetricOpenChangesOld)
	require.NoError(t, c.TerminateWorkflow(ctx, unknown.GetID(), "", "the test is done with it"))
	require.NoError(t, c.TerminateWorkflow(ctx, awaiting.GetID(), "", "the test is done with it"))

	for name, m := range recordedOnEvents {
		require.Nil(t, served[name], "the worker served %s: take it out of recordedOnEvents", name)
		like := served[m.like]
		require.NotNil(t, like, "%s, recorded through the handler %s is, is served", m.like, name)
		served[name] = setOf(m.tags...)
		for label := range like {
			if !slices.Contains(m.likeOwnTag, label) {
				served[name][label] = true
			}
		}
	}
	names := make([]string, 0, len(served))
	for name, labels := range served {
		names = append(names, fmt.Sprintf("%s%v", name, sortedKeys(labels)))
	}
	sort.Strings(names)
	t.Logf("served: %s", strings.Join(names, "\n"))

	return aWorker{served: served, healthBase: strings.TrimSuffix(ready.Live, "/livez")}
}

// scrape reads a worker's /metrics: each family with the labels of its
// series.
func scrape(t *testing.T, url string) servedMetrics {
	t.Helper()
	served := servedMetrics{}
	for name, f := range stacktest.Metrics(t, url) {
		served[name] = labelNames(f)
	}
	return served
}

func labelNames(f *dto.MetricFamily) map[string]bool {
	names := map[string]bool{}
	if f.GetType() == dto.MetricType_HISTOGRAM {
		names["le"] = true
	}
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetValue() != "" { // an empty value is no label to Prometheus
				names[l.GetName()] = true
			}
		}
	}
	return names
}

func sortedKeys(set map[string]bool) []string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

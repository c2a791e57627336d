package telemetry

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/redact"
)

// visibility is a Temporal client whose CountWorkflow answers open, or
// open-1 for a query of the changes started over an hour ago, while up
// holds; else it fails as a visibility store that is down does.
type visibility struct {
	client.Client
	open atomic.Int64
	up   atomic.Bool
}

func (v *visibility) CountWorkflow(_ context.Context, req *workflowservice.CountWorkflowExecutionsRequest) (*workflowservice.CountWorkflowExecutionsResponse, error) {
	if !v.up.Load() {
		return nil, serviceerror.NewUnavailable("visibility store unavailable; authorization: Bearer eyJhbGciOiJIUzI1NiJ9abcDEF123456789xyz")
	}
	n := v.open.Load()
	if strings.Contains(req.GetQuery(), "StartTime <") {
		n--
	}
	return &workflowservice.CountWorkflowExecutionsResponse{Count: n}, nil
}

// A count that fails does not stop the counting: it is counted in
// vpcflow_open_changes_count_failures_total and logged once (redacted), the
// gauges keep the last count, and the next count that succeeds updates
// them.
func TestOpenChangesAreCountedAgainAfterAVisibilityError(t *testing.T) {
	tel, err := Setup(context.Background(), Options{Service: "test", Metrics: true})
	require.NoError(t, err)
	defer func() { _ = tel.Shutdown(context.Background()) }()
	scrape := func() map[string]*dto.MetricFamily {
		rec := httptest.NewRecorder()
		tel.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(rec.Body)
		require.NoError(t, err)
		return families
	}
	// gauges are the values of a gauge by stage.
	gauges := func(families map[string]*dto.MetricFamily, name string) map[string]float64 {
		values := map[string]float64{}
		for _, m := range families[name].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == TagStage {
					values[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
		return values
	}
	everyStage := func(n float64) map[string]float64 {
		values := map[string]float64{}
		for _, stage := range contract.WaitingStages {
			values[stage] = n
		}
		return values
	}
	failures := func(families map[string]*dto.MetricFamily) float64 {
		f := families[MetricOpenChangesCountFailures+"_total"]
		if f == nil || len(f.GetMetric()) != 1 {
			return -1
		}
		return f.GetMetric()[0].GetCounter().GetValue()
	}

	var logs syncBuffer
	logger := slog.New(redact.Handler(slog.NewJSONHandler(&logs, nil)))
	v := &visibility{}
	v.open.Store(3)
	v.up.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		CountOpenChanges(ctx, v, tel.MetricsHandler, 10*time.Millisecond, logger)
		close(stopped)
	}()

	require.Eventually(t, func() bool { return gauges(scrape(), MetricOpenChanges)[contract.StageAwaitingApproval] == 3 }, 10*time.Second, 10*time.Millisecond)
	served := scrape()
	assert.Equal(t, everyStage(3), gauges(served, MetricOpenChanges))
	assert.Equal(t, everyStage(2), gauges(served, MetricOpenChangesOld))
	assert.Equal(t, 0.0, failures(served), "the failures are served from the start")

	v.up.Store(false)
	v.open.Store(5) // not seen while the store is down
	require.Eventually(t, func() bool { return failures(scrape()) >= 3 }, 10*time.Second, 10*time.Millisecond, "the counting goes on")
	served = scrape()
	assert.Equal(t, everyStage(3), gauges(served, MetricOpenChanges), "the last count is kept")
	assert.Equal(t, everyStage(2), gauges(served, MetricOpenChangesOld))

	v.up.Store(true)
	require.Eventually(t, func() bool { return gauges(scrape(), MetricOpenChanges)[contract.StageAwaitingApproval] == 5 }, 10*time.Second, 10*time.Millisecond)
	served = scrape()
	assert.Equal(t, everyStage(5), gauges(served, MetricOpenChanges))
	assert.Equal(t, everyStage(4), gauges(served, MetricOpenChangesOld))
	cancel()
	<-stopped

	text := logs.String()
	assert.Equal(t, 1, strings.Count(text, "open changes not counted"), "a streak of failures is logged once: %s", text)
	assert.Contains(t, text, "visibility store unavailable")
	assert.Contains(t, text, "open changes counted again")
	assert.NotContains(t, text, "eyJhbGciOiJIUzI1NiJ9")
}

// syncBuffer is a bytes.Buffer a goroutine writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

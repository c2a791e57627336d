package telemetry

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Without metrics and without an OTLP endpoint, telemetry adds nothing to
// a client: no handler, no interceptor, no /metrics.
func TestNothingIsExportedUnlessAsked(t *testing.T) {
	tel, err := Setup(context.Background(), Options{Service: "test", Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	opts := tel.Apply(client.Options{})
	assert.Nil(t, opts.MetricsHandler)
	assert.Empty(t, opts.Interceptors)
	assert.Nil(t, tel.Handler())
	_, _, err = tel.Serve("127.0.0.1:0", nil)
	assert.Error(t, err)
	require.NoError(t, tel.Shutdown(context.Background()))
}

// OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on (the exporter connects
// lazily, so no collector is needed to set it up); metrics serve what the
// handler records, in Prometheus text.
func TestTracesWhenAnEndpointIsSetAndMetricsWhenAsked(t *testing.T) {
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}
	tel, err := Setup(context.Background(), Options{Service: "test", Metrics: true, Getenv: func(k string) string { return env[k] }})
	require.NoError(t, err)
	defer func() { _ = tel.Shutdown(context.Background()) }()
	opts := tel.Apply(client.Options{})
	assert.Len(t, opts.Interceptors, 1, "the tracing interceptor")
	require.NotNil(t, opts.MetricsHandler)
	opts.MetricsHandler.WithTags(map[string]string{TagWorkflow: "NetworkChange", TagOutcome: "completed"}).Counter(MetricChanges).Inc(2)

	rec := httptest.NewRecorder()
	tel.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	assert.Contains(t, string(body), `vpcflow_changes_total{outcome="completed",workflow="NetworkChange"} 2`)
	assert.True(t, strings.Contains(string(body), "go_goroutines"), "the Go runtime's metrics too")
}

func TestOutcome(t *testing.T) {
	cases := []struct {
		err              error
		outcome, errType string
	}{
		{nil, "completed", ""},
		{temporal.NewCanceledError(), "cancelled", ""},
		{temporal.NewNonRetryableApplicationError("m", "WaitTimeout", nil), "failed", "WaitTimeout"},
		{errors.New("panic"), "failed", "other"},
	}
	for _, c := range cases {
		outcome, errType := Outcome(c.err)
		assert.Equal(t, c.outcome, outcome, "%v", c.err)
		assert.Equal(t, c.errType, errType, "%v", c.err)
	}
}

// The standard protocol variable picks the exporter; one vpcflow cannot
// send is refused at start, saying so.
func TestTheOTLPProtocolIsTheStandardVariables(t *testing.T) {
	for protocol, ok := range map[string]bool{"": true, "grpc": true, "http/protobuf": true, "http/json": false} {
		env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": protocol}
		tel, err := Setup(context.Background(), Options{Service: "test", Getenv: func(k string) string { return env[k] }})
		if !ok {
			assert.ErrorContains(t, err, `OTLP protocol "http/json"`)
			continue
		}
		require.NoError(t, err, protocol)
		assert.Len(t, tel.Apply(client.Options{}).Interceptors, 1, protocol)
		_ = tel.Shutdown(context.Background())
	}
}

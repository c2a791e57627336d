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
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_METRICS_EXPORTER"} {
		t.Setenv(k, "")
	}
	tel, err := Setup(context.Background(), Options{Service: "test"})
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
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
	tel, err := Setup(context.Background(), Options{Service: "test", Metrics: true})
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

// OpenTelemetry's own variables pick the exporter (autoexport): the OTLP
// protocol (http/protobuf by default, or grpc), another exporter, or none;
// one OpenTelemetry does not know is refused at start.
func TestTheExporterIsOpenTelemetrysEnvironment(t *testing.T) {
	for _, c := range []struct {
		env     map[string]string
		tracing bool
		refused string
	}{
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, tracing: true},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, tracing: true},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, tracing: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "console"}, tracing: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, tracing: false},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, refused: "protocol"},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, refused: "zipkin"},
	} {
		for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
			"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
			t.Setenv(k, c.env[k])
		}
		tel, err := Setup(context.Background(), Options{Service: "test"})
		if c.refused != "" {
			assert.ErrorContains(t, err, c.refused, "%v", c.env)
			continue
		}
		require.NoError(t, err, "%v", c.env)
		assert.Equal(t, c.tracing, len(tel.Apply(client.Options{}).Interceptors) == 1, "%v", c.env)
		_ = tel.Shutdown(context.Background())
	}
}

// The resource is OpenTelemetry's from the environment over vpcflow's
// service name.
func TestTheResourceComesFromTheEnvironment(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,team=network")
	res, err := resourceOf(context.Background(), "vpcflow-worker")
	require.NoError(t, err)
	got := map[string]string{}
	for _, kv := range res.Attributes() {
		got[string(kv.Key)] = kv.Value.AsString()
	}
	assert.Equal(t, "vpcflow-worker", got["service.name"])
	assert.Equal(t, "prod", got["deployment.environment"])
	assert.Equal(t, "network", got["team"])
	t.Setenv("OTEL_SERVICE_NAME", "netops-vpcflow")
	res, err = resourceOf(context.Background(), "vpcflow-worker")
	require.NoError(t, err)
	name, _ := res.Set().Value("service.name")
	assert.Equal(t, "netops-vpcflow", name.AsString(), "OTEL_SERVICE_NAME wins")
}

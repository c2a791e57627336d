// Package telemetry wires vpcflow's metrics and traces through OpenTelemetry
// and the Temporal SDK's contrib package for it: the SDK's metrics and
// vpcflow's own (recorded through the SDK's metrics handler, so workflow
// code records them replay-safely) are served as Prometheus text on
// /metrics; traces go from the starter's start through the workflow and its
// activities to a span per cloud request. Where they go is OpenTelemetry's
// own environment handling (go.opentelemetry.io/contrib/exporters/autoexport):
// OTEL_TRACES_EXPORTER (otlp, console, none), the OTEL_EXPORTER_OTLP_*
// variables (endpoint, protocol: http/protobuf by default, or grpc; headers,
// TLS), and OTEL_METRICS_EXPORTER to push metrics too; the resource comes
// from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over vpcflow's
// service name. Nothing is exported unless one of them asks.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Options say what to export.
type Options struct {
	// Service names the process (service.name) unless OTEL_SERVICE_NAME or
	// OTEL_RESOURCE_ATTRIBUTES name it.
	Service string
	// Metrics makes a Prometheus registry of the SDK's and vpcflow's
	// metrics, for Handler; with OTEL_METRICS_EXPORTER set (otlp,
	// console), they are pushed there too.
	Metrics bool
	// Tracer, when set, is the provider spans go to (tests give one with
	// an in-memory exporter); nil exports as the OTEL_* variables ask
	// (tracesAsked), and traces nothing when none does.
	Tracer trace.TracerProvider
}

// Telemetry is what Setup made: the client options that carry it, the
// /metrics handler, and how to flush and stop it.
type Telemetry struct {
	// MetricsHandler is the SDK's metrics handler over OpenTelemetry; nil
	// without metrics.
	MetricsHandler client.MetricsHandler
	// Interceptors trace the client's calls, workflows and activities;
	// empty without tracing.
	Interceptors []interceptor.ClientInterceptor
	registry     *prometheus.Registry
	shutdown     []func(context.Context) error
}

// Setup makes the metrics and traces opts and the environment ask for.
func Setup(ctx context.Context, opts Options) (*Telemetry, error) {
	t := &Telemetry{}
	res, err := resourceOf(ctx, opts.Service)
	if err != nil {
		return nil, err
	}
	if opts.Metrics {
		t.registry = prometheus.NewRegistry()
		t.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		exporter, err := otelprom.New(otelprom.WithRegisterer(t.registry), otelprom.WithoutScopeInfo())
		if err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		readers := []sdkmetric.Option{sdkmetric.WithReader(exporter), sdkmetric.WithResource(res)}
		if pushed := os.Getenv("OTEL_METRICS_EXPORTER"); pushed != "" && pushed != "prometheus" {
			// Prometheus is served on /metrics already.
			reader, err := autoexport.NewMetricReader(ctx)
			if err != nil {
				return nil, fmt.Errorf("metrics: OTEL_METRICS_EXPORTER: %w", err)
			}
			if !autoexport.IsNoneMetricReader(reader) {
				readers = append(readers, sdkmetric.WithReader(reader))
			}
		}
		provider := sdkmetric.NewMeterProvider(readers...)
		t.shutdown = append(t.shutdown, provider.Shutdown)
		t.MetricsHandler = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
			Meter: provider.Meter("vpcflow"),
			// A metric that cannot be recorded is not worth a worker.
			OnError: func(err error) { slog.Default().Warn("metric not recorded", "error", err) },
			// Counters only go up: Prometheus counters (_total).
			UseMonotonicCounters: true,
		})
	}

	tracer := opts.Tracer
	if tracer == nil && tracesAsked() {
		exporter, err := autoexport.NewSpanExporter(ctx)
		if err != nil {
			return nil, fmt.Errorf("traces: %w (OTEL_TRACES_EXPORTER %q; otlp, console or none; OTEL_EXPORTER_OTLP_PROTOCOL %q; http/protobuf or grpc)",
				err, os.Getenv("OTEL_TRACES_EXPORTER"), os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")+os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
		}
		if !autoexport.IsNoneSpanExporter(exporter) {
			provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
			t.shutdown = append(t.shutdown, provider.Shutdown)
			tracer = provider
		}
	}
	if tracer != nil {
		tracing, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{Tracer: tracer.Tracer("vpcflow")})
		if err != nil {
			return nil, fmt.Errorf("traces: %w", err)
		}
		t.Interceptors = append(t.Interceptors, tracing)
	}
	return t, nil
}

// resourceOf is the resource of the process: service.name as service, with
// what OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES say over it.
func resourceOf(ctx context.Context, service string) (*resource.Resource, error) {
	fromEnv, err := resource.New(ctx, resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("telemetry: OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	res, err := resource.Merge(resource.NewSchemaless(attribute.String("service.name", service)), fromEnv)
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	return res, nil
}

// tracesAsked tells whether the environment asks for traces: an exporter
// named (OTEL_TRACES_EXPORTER), or an OTLP endpoint given. Unasked, vpcflow
// sends none (autoexport alone would send them to localhost).
func tracesAsked() bool {
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}

// Apply adds the metrics handler and the tracing interceptor to opts.
func (t *Telemetry) Apply(opts client.Options) client.Options {
	if t == nil {
		return opts
	}
	if t.MetricsHandler != nil {
		opts.MetricsHandler = t.MetricsHandler
	}
	opts.Interceptors = append(append([]interceptor.ClientInterceptor(nil), opts.Interceptors...), t.Interceptors...)
	return opts
}

// Handler serves the metrics as Prometheus text; nil without metrics.
func (t *Telemetry) Handler() http.Handler {
	if t == nil || t.registry == nil {
		return nil
	}
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{})
}

// Shutdown flushes what is buffered (spans not yet exported) and stops.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var errs []error
	for _, stop := range t.shutdown {
		errs = append(errs, stop(ctx))
	}
	return errors.Join(errs...)
}

// Serve serves GET /metrics on addr until the returned stop is called; it
// returns the endpoint's URL.
func (t *Telemetry) Serve(addr string, logger *slog.Logger) (url string, stop func(), err error) {
	h := t.Handler()
	if h == nil {
		return "", nil, errors.New("metrics: none were set up")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("metrics endpoint %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics endpoint stopped", "error", err)
		}
	}()
	url = "http://" + ln.Addr().String() + "/metrics"
	logger.Info("metrics endpoint", "url", url)
	return url, func() { _ = srv.Close() }, nil
}

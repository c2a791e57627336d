// Package telemetry wires vpcflow's metrics and traces through OpenTelemetry
// and the Temporal SDK's contrib package for it: the SDK's metrics and
// vpcflow's own (recorded through the SDK's metrics handler, so workflow
// code records them replay-safely) are served as Prometheus text on
// /metrics; traces go from the starter's start through the workflow and its
// activities to a span per cloud request, exported over OTLP (gRPC, or
// http/protobuf as OTEL_EXPORTER_OTLP_PROTOCOL says) when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set, nowhere otherwise.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
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
	// Service names the process in traces (service.name).
	Service string
	// Metrics makes a Prometheus registry of the SDK's and vpcflow's
	// metrics, for Handler.
	Metrics bool
	// Tracer, when set, is the provider spans go to (tests give one with
	// an in-memory exporter); nil exports over OTLP when Getenv finds
	// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
	// and traces nothing otherwise.
	Tracer trace.TracerProvider
	// Getenv reads the environment; nil means no OTLP export.
	Getenv func(string) string
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

// Setup makes the metrics and traces opts ask for.
func Setup(ctx context.Context, opts Options) (*Telemetry, error) {
	t := &Telemetry{}
	res := resource.NewSchemaless(attribute.String("service.name", opts.Service))
	if opts.Metrics {
		t.registry = prometheus.NewRegistry()
		t.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		exporter, err := otelprom.New(otelprom.WithRegisterer(t.registry), otelprom.WithoutScopeInfo())
		if err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter), sdkmetric.WithResource(res))
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
	if tracer == nil && opts.Getenv != nil &&
		(opts.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || opts.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "") {
		exporter, err := otlpExporter(ctx, opts.Getenv)
		if err != nil {
			return nil, fmt.Errorf("traces: OTLP exporter: %w", err)
		}
		provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
		t.shutdown = append(t.shutdown, provider.Shutdown)
		tracer = provider
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

// otlpExporter is the OTLP trace exporter the standard variables ask for:
// gRPC, or HTTP with OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL http/protobuf.
// Either reads the endpoint, headers, TLS and timeout from the
// OTEL_EXPORTER_OTLP_* variables itself.
func otlpExporter(ctx context.Context, getenv func(string) string) (sdktrace.SpanExporter, error) {
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch protocol {
	case "", "grpc":
		return otlptracegrpc.New(ctx)
	case "http/protobuf":
		return otlptracehttp.New(ctx)
	}
	return nil, fmt.Errorf("OTLP protocol %q: vpcflow sends grpc or http/protobuf", protocol)
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

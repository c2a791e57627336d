package activities

import (
	"context"
	"errors"
	"reflect"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/telemetry"
)

// Span attributes of a cloud call.
const (
	attrOperation = attribute.Key("vpcflow.cloud.operation")
	attrCode      = attribute.Key("vpcflow.cloud.code")
	attrClass     = attribute.Key("vpcflow.cloud.class")
	attrRequestID = attribute.Key("vpcflow.cloud.request_id")
	attrAttempt   = attribute.Key("vpcflow.cloud.attempt")
)

// tracerName names the tracer of the cloud call spans.
const tracerName = "github.com/vpcflow/vpcflow/activities"

// observed makes one cloud call, call(req), and observes it: a span named
// after the operation (a child of the activity's span when the worker
// traces), a count by operation, code and class, the call's latency, and a
// debug log line with the RequestId (the SDK's activity logger adds the
// workflow, run and activity). What it returns is call's answer, as it is.
//
// The call waits for the worker's limit of the API in the request's region
// first (limits, nil for none); a throttle lowers that limit, an answer
// lets it climb back (CallLimits).
func observed[Req, Resp any](ctx context.Context, limits *CallLimits, operation string, call func(Req) (Resp, error), req Req) (Resp, error) {
	region := regionOf(req)
	if err := limits.take(ctx, operation, region); err != nil {
		if activity.IsActivity(ctx) && ctx.Err() == nil {
			activity.GetMetricsHandler(ctx).WithTags(map[string]string{telemetry.TagOperation: operation}).Counter(telemetry.MetricCloudCallsHeld).Inc(1)
		}
		var zero Resp
		return zero, err
	}
	tracer := trace.SpanFromContext(ctx).TracerProvider().Tracer(tracerName)
	_, span := tracer.Start(ctx, operation, trace.WithSpanKind(trace.SpanKindClient))
	started := time.Now()
	resp, err := call(req)
	took := time.Since(started)
	limit, changed := 0.0, false
	if cloud, ok := inspectCloudError(err); ok && cloud.classify().Class == contract.Throttled {
		limit, changed = limits.throttled(operation, region)
	} else if err == nil {
		limit, changed = limits.answered(operation, region)
	}
	if changed && activity.IsActivity(ctx) {
		activity.GetMetricsHandler(ctx).WithTags(map[string]string{telemetry.TagOperation: operation, telemetry.TagRegion: region}).
			Gauge(telemetry.MetricCloudCallLimit).Update(limit)
	}

	code, class, requestID := okLabel, "ok", responseRequestID(resp)
	if err != nil {
		cloud, ok := inspectCloudError(err)
		row := cloud.classify()
		code, class, requestID = DisplayCode(cloud.code), string(row.Class), DisplayCode(cloud.requestID)
		if !ok || code == "" {
			code, class = unknownLabel, "unknown"
		}
		span.SetStatus(codes.Error, code)
	}
	span.SetAttributes(attrOperation.String(operation), attrCode.String(code), attrClass.String(class),
		attrRequestID.String(requestID), attrAttempt.Int64(int64(attemptOf(ctx))))
	span.End()
	if !activity.IsActivity(ctx) {
		return resp, err
	}
	metrics := activity.GetMetricsHandler(ctx)
	metrics.WithTags(map[string]string{telemetry.TagOperation: operation, telemetry.TagCode: MetricLabel(code), telemetry.TagClass: class}).Counter(telemetry.MetricCloudCalls).Inc(1)
	metrics.WithTags(map[string]string{telemetry.TagOperation: operation}).Timer(telemetry.MetricCloudCallLatency).Record(took)
	activity.GetLogger(ctx).Debug("cloud call", "operation", operation, "code", code, "class", class,
		"RequestId", requestID, "attempt", attemptOf(ctx), "ms", took.Milliseconds())
	return resp, err
}

// regionOf is the region an Alibaba Cloud request is sent to; "" for a
// Huawei Cloud one, whose client is bound to its region.
func regionOf(req any) string {
	if r, ok := req.(interface{ GetRegionId() string }); ok {
		return r.GetRegionId()
	}
	return ""
}

// responseRequestID is the RequestId of an answer: the field RequestId of
// an Alibaba Cloud response, XRequestId (the X-Request-Id header) of a
// Huawei Cloud one.
func responseRequestID(resp any) string {
	v := reflect.ValueOf(resp)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	v = v.Elem()
	if f := v.FieldByName("RequestId"); f.IsValid() && f.Kind() == reflect.String {
		return f.String()
	}
	if f := v.FieldByName("XRequestId"); f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.String {
		return f.Elem().String()
	}
	return ""
}

// waitOutcome names how a wait ended, for telemetry.MetricWaitDuration.
func waitOutcome(ctx context.Context, err error) string {
	if err == nil {
		return "reached"
	}
	if ctx.Err() != nil {
		return "cancelled"
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return "failed"
	}
	switch appErr.Type() {
	case contract.WaitTimeoutType:
		return "timeout"
	case contract.UnreachableStateType:
		return "unreachable"
	case contract.WorkerStoppingType:
		return "handed-over"
	}
	return "failed"
}

// observeWait records a wait's end: its duration since the workflow
// scheduled it, by wait and outcome.
func observeWait(ctx context.Context, kind string, scheduled time.Time, err error) {
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{telemetry.TagWait: kind, telemetry.TagOutcome: waitOutcome(ctx, err)}).
		Timer(telemetry.MetricWaitDuration).Record(time.Since(scheduled))
}

// observeRead counts one read of a wait.
func observeRead(ctx context.Context, kind string) {
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{telemetry.TagWait: kind}).Counter(telemetry.MetricWaitReads).Inc(1)
}

package telemetry

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Outcomes is the worker interceptor that records MetricChanges and
// MetricActivityRetries. Workflow code records through the workflow's
// metrics handler, which records nothing while a history replays.
// errorTypeLabel maps a failure's type to its error_type label, from a
// bounded set: a failure's type can be any code a cloud answered.
func Outcomes(errorTypeLabel func(string) string) interceptor.WorkerInterceptor {
	return &outcomes{label: errorTypeLabel}
}

type outcomes struct {
	interceptor.WorkerInterceptorBase
	label func(string) string
}

func (o *outcomes) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &workflowOutcome{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, label: o.label}
}

func (*outcomes) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &activityRetries{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type workflowOutcome struct {
	interceptor.WorkflowInboundInterceptorBase
	label func(string) string
}

func (w *workflowOutcome) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	result, err := w.Next.ExecuteWorkflow(ctx, in)
	outcome, errType := Outcome(err)
	if errType != "" {
		errType = w.label(errType)
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{
		TagWorkflow: workflow.GetInfo(ctx).WorkflowType.Name, TagOutcome: outcome, TagErrorType: errType,
	}).Counter(MetricChanges).Inc(1)
	return result, err
}

// Outcome names how a workflow ended with err, and the failure's type.
func Outcome(err error) (outcome, errorType string) {
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
		return "completed", ""
	case temporal.IsCanceledError(err):
		return "cancelled", ""
	case errors.As(err, &appErr):
		return "failed", appErr.Type()
	}
	return "failed", "other"
}

type activityRetries struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *activityRetries) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if info := activity.GetInfo(ctx); info.Attempt > 1 {
		activity.GetMetricsHandler(ctx).WithTags(map[string]string{TagActivity: info.ActivityType.Name}).
			Counter(MetricActivityRetries).Inc(1)
	}
	return a.Next.ExecuteActivity(ctx, in)
}

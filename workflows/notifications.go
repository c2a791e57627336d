package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/telemetry"
)

const (
	// notificationBudget bounds how long one notification is retried: a
	// receiver down longer than that misses the event (the progress query
	// and vpcflow_notifications_total say so).
	notificationBudget = 10 * time.Minute
	// notificationDrain is how long a change that has ended waits for the
	// notifications still being sent before it completes: a workflow that
	// completes abandons its activities.
	notificationDrain = time.Minute
)

// notifications sends a change's events through the worker's webhooks
// (the SendNotification activity), when the worker has any. Sending never
// blocks the change and a failure never fails it: it is counted in the
// progress query and the metrics.
type notifications struct {
	enabled  bool
	progress *contract.Progress
	// sent numbers each event of the run, for its idempotency key.
	sent    map[string]int
	pending int
}

func newNotifications(progress *contract.Progress) *notifications {
	return &notifications{progress: progress, sent: map[string]int{}}
}

// send sends ev, filled with the run's names and an idempotency key that
// is the same however often the activity is retried or its worker dies.
func (n *notifications) send(ctx workflow.Context, run *changeRun, ev contract.ApprovalEvent) {
	if !n.enabled {
		return
	}
	info := workflow.GetInfo(ctx)
	n.sent[ev.Event]++
	ev.WorkflowId, ev.RunId, ev.Workflow = info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.WorkflowType.Name
	ev.IdempotencyKey = fmt.Sprintf("%s/%s/%s/%d", ev.WorkflowId, ev.RunId, ev.Event, n.sent[ev.Event])
	ev.At = workflow.Now(ctx)
	if n.progress.Notifications == nil {
		n.progress.Notifications = &contract.NotificationProgress{}
	}
	var approvals *activities.Approvals
	f := workflow.ExecuteActivity(withNotification(ctx, ev.Event), approvals.SendNotification, ev)
	n.pending++
	workflow.Go(ctx, func(ctx workflow.Context) {
		err := f.Get(ctx, nil)
		n.pending--
		outcome := "sent"
		if err != nil {
			outcome = "failed"
			n.progress.Notifications.Failed++
			n.progress.Notifications.LastError = fmt.Sprintf("%s: %v", ev.Event, err)
		} else {
			n.progress.Notifications.Sent++
		}
		workflow.GetMetricsHandler(ctx).WithTags(map[string]string{telemetry.TagEvent: ev.Event, telemetry.TagOutcome: outcome}).
			Counter(telemetry.MetricNotifications).Inc(1)
	})
}

// ended notifies how the change ended (applied, rolled back or failed) and
// waits a little for the notifications still being sent.
func (n *notifications) ended(ctx workflow.Context, run *changeRun, err error) {
	if !n.enabled {
		return
	}
	if temporal.IsCanceledError(err) {
		ctx, _ = workflow.NewDisconnectedContext(ctx)
	}
	info := workflow.GetInfo(ctx)
	ev := contract.ApprovalEvent{Event: contract.EventApplied, Summary: info.WorkflowExecution.ID + " applied"}
	if rb := n.progress.Rollback; rb != nil && rb.Result != nil {
		ev = contract.ApprovalEvent{Event: contract.EventRolledBack, Summary: fmt.Sprintf("%s failed and was rolled back (%s)", info.WorkflowExecution.ID, rb.WorkflowId)}
	} else if err != nil {
		ev = contract.ApprovalEvent{Event: contract.EventFailed, Summary: info.WorkflowExecution.ID + " failed"}
	}
	if err != nil {
		ev.Error = err.Error()
	}
	n.send(ctx, run, ev)
	n.drain(ctx)
}

// drain waits, up to notificationDrain, for the notifications being sent.
func (n *notifications) drain(ctx workflow.Context) {
	if n.pending > 0 {
		_, _ = workflow.AwaitWithTimeout(ctx, notificationDrain, func() bool { return n.pending == 0 })
	}
}

// withNotification sets the options of one notification: retried with
// backoff within notificationBudget.
func withNotification(ctx workflow.Context, event string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: notificationBudget,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute},
		Summary: "notify " + event,
	})
}

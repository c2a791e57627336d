package activities

import (
	"context"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/notify"
	"github.com/vpcflow/vpcflow/internal/redact"
)

// NotificationFailedType is the error type of a notification no webhook
// would take: retrying cannot help (a 4xx answer, a refused message).
const NotificationFailedType = "NotificationFailed"

// SendNotification sends a change's event to every webhook of the
// worker's notifier that wants it. Each receiver gets the event's
// IdempotencyKey, the same on every retry, so one that dedupes on it sees
// the event once however often the send is retried or its worker dies.
// The webhooks that took the event are recorded as the activity's
// heartbeat details: a retry sends only to the others, so a chat that
// cannot dedupe (Slack, DingTalk, Lark) is not posted twice by a retry.
// A failure another try could mend is retried; one it cannot is not.
// A failed notification never fails the change: the workflow records it.
func (a *Approvals) SendNotification(ctx context.Context, ev contract.ApprovalEvent) error {
	var delivered []string
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &delivered)
	}
	outcomes, err := a.Notifier.SendExcept(ctx, ev, delivered)
	for _, o := range outcomes {
		if o.Delivered() {
			delivered = append(delivered, o.Target)
		}
	}
	activity.RecordHeartbeat(ctx, delivered)
	if err == nil {
		return nil
	}
	msg := redact.Secrets(err.Error())
	if !notify.Retryable(err) {
		return temporal.NewNonRetryableApplicationError(msg, NotificationFailedType, nil)
	}
	return temporal.NewApplicationError(msg, NotificationFailedType)
}

// Notifies tells whether the worker sends notifications at all: a workflow
// that asks no approval (a drift check) asks this before it sends one.
func (a *Approvals) Notifies(ctx context.Context) (bool, error) {
	return a.Notifier.Enabled(), nil
}

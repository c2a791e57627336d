package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
)

// The gauges MetricOpenChanges and MetricOpenChangesOld count the changes
// that are open now, by the stage they wait in, from Temporal's visibility
// store (VpcFlowStage): what a person must be told of when it lasts (a
// change waiting for approval for hours, a wait on a cloud that does not
// move).

// OldChange is the age past which an open change counts in
// MetricOpenChangesOld.
const OldChange = time.Hour

// CountOpenChanges counts, every interval until ctx ends, the running
// workflows of each waiting stage, and records the gauges through h. Every
// worker counts the same: a dashboard takes the max over workers. It stops
// when the namespace has no VpcFlowStage search attribute (the count is
// refused), saying so once.
func CountOpenChanges(ctx context.Context, c client.Client, h client.MetricsHandler, interval time.Duration, logger *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		for _, stage := range contract.WaitingStages {
			query := fmt.Sprintf("ExecutionStatus = 'Running' AND %s = '%s'", contract.VpcFlowStageKey.GetName(), stage)
			n, err := count(ctx, c, query)
			if err == nil {
				var old int64
				old, err = count(ctx, c, query+fmt.Sprintf(" AND StartTime < '%s'", time.Now().Add(-OldChange).UTC().Format(time.RFC3339)))
				h.WithTags(map[string]string{TagStage: stage}).Gauge(MetricOpenChangesOld).Update(float64(old))
			}
			if err != nil {
				if ctx.Err() == nil {
					logger.Warn("open changes are not counted: the visibility store refused the count (does the namespace have vpcflow's search attributes?)", "error", err)
				}
				return
			}
			h.WithTags(map[string]string{TagStage: stage}).Gauge(MetricOpenChanges).Update(float64(n))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func count(ctx context.Context, c client.Client, query string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
	return resp.GetCount(), err
}

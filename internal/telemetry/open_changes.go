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

// logFailuresEvery is how many failed counts in a row are logged once: the
// first of a streak is, then one in this many (an hour at the worker's
// minute), so that a visibility store down for a day logs 24 lines.
const logFailuresEvery = 60

// CountOpenChanges counts, every interval until ctx ends, the running
// workflows of each waiting stage, and records the gauges through h. Every
// worker counts the same: a dashboard takes the max over workers.
//
// A count the visibility store refuses or does not answer (Temporal down,
// the namespace without the VpcFlowStage search attribute) is counted in
// MetricOpenChangesCountFailures and logged through logger (which the
// caller redacts) when a streak of them starts; the gauges keep the last
// count that succeeded for every stage (a round records all its stages or
// none), and the next interval counts again. Keeping them, rather than
// dropping them or writing 0, keeps an alert on a change waiting too long
// firing through a visibility outage instead of resolving it unseen.
func CountOpenChanges(ctx context.Context, c client.Client, h client.MetricsHandler, interval time.Duration, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	failures := h.Counter(MetricOpenChangesCountFailures)
	// Served at 0 from the start, so that a query on its increase sees
	// the first failure.
	failures.Inc(0)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	failing := 0 // failed counts in a row
	for {
		err := countStages(ctx, c, h)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures.Inc(1)
			if failing%logFailuresEvery == 0 {
				logger.Warn("open changes not counted: the visibility store refused or did not answer the count; the gauges keep the last count (does the namespace have vpcflow's search attributes?)",
					"error", err, "failedInARow", failing+1)
			}
			failing++
		case failing > 0:
			logger.Info("open changes counted again", "failedInARow", failing)
			failing = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// countStages counts the open changes of every waiting stage, then records
// the gauges: all of them, or none when a count fails.
func countStages(ctx context.Context, c client.Client, h client.MetricsHandler) error {
	type counted struct{ open, old int64 }
	counts := make([]counted, len(contract.WaitingStages))
	since := time.Now().Add(-OldChange).UTC().Format(time.RFC3339)
	for i, stage := range contract.WaitingStages {
		query := fmt.Sprintf("ExecutionStatus = 'Running' AND %s = '%s'", contract.VpcFlowStageKey.GetName(), stage)
		var err error
		if counts[i].open, err = count(ctx, c, query); err != nil {
			return fmt.Errorf("count of stage %s: %w", stage, err)
		}
		if counts[i].old, err = count(ctx, c, query+fmt.Sprintf(" AND StartTime < '%s'", since)); err != nil {
			return fmt.Errorf("count of stage %s started before %s: %w", stage, since, err)
		}
	}
	for i, stage := range contract.WaitingStages {
		tagged := h.WithTags(map[string]string{TagStage: stage})
		tagged.Gauge(MetricOpenChanges).Update(float64(counts[i].open))
		tagged.Gauge(MetricOpenChangesOld).Update(float64(counts[i].old))
	}
	return nil
}

func count(ctx context.Context, c client.Client, query string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
	return resp.GetCount(), err
}

package workerapp

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/vpcflow/vpcflow/activities"
)

// Quota says how a worker's cloud calls share the account's API quota
// (docs/operations.md, "The account's API quota"): each worker limits its
// calls of each API in each region to Share of the API's quota divided by
// Workers (activities.CallLimits, adaptive to throttles), and the Temporal
// server limits the activities started on the task queue, by all its
// workers together, to TaskQueueActivitiesPerSecond.
type Quota struct {
	// PerMinute is each API's quota, in calls per minute per region and
	// account, by operation ("*": the others); nil takes
	// activities.DefaultCallQuotas.
	PerMinute map[string]float64
	// Share is the part of the quotas vpcflow's workers take together; 0
	// takes activities.DefaultQuotaShare.
	Share float64
	// Workers is how many workers share the quotas; 0 means 1.
	Workers int
	// TaskQueueActivitiesPerSecond is the server-enforced limit of
	// activities started per second on the task queue, across all its
	// workers (worker.Options.TaskQueueActivitiesPerSecond); 0: none.
	TaskQueueActivitiesPerSecond float64
}

// callLimits are the activities' limits for q.
func (q Quota) callLimits() (*activities.CallLimits, error) {
	perMinute := q.PerMinute
	if perMinute == nil {
		perMinute = activities.DefaultQuotas()
	}
	share := q.Share
	if share == 0 {
		share = activities.DefaultQuotaShare
	}
	if q.Workers < 0 {
		return nil, fmt.Errorf("quota: workers %d: want at least 1", q.Workers)
	}
	workers := max(q.Workers, 1)
	if q.TaskQueueActivitiesPerSecond < 0 {
		return nil, fmt.Errorf("quota: task queue activities per second %v: want 0 (none) or more", q.TaskQueueActivitiesPerSecond)
	}
	limits, err := activities.NewCallLimits(perMinute, share, workers)
	if err != nil {
		return nil, fmt.Errorf("quota: %w", err)
	}
	return limits, nil
}

// ParseQuotas reads quotas written Operation=calls-per-minute, comma
// separated ("DescribeRouterInterfaces=1200,*=300"). With "*", the list is
// the whole table: "*" is every API it does not name. Without, it changes
// the APIs it names in activities.DefaultCallQuotas and keeps the rest.
func ParseQuotas(s string) (map[string]float64, error) {
	given := map[string]float64{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		op, value, ok := strings.Cut(item, "=")
		op = strings.TrimSpace(op)
		if !ok || op == "" {
			return nil, fmt.Errorf("call quota %q: want Operation=calls-per-minute", item)
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("call quota of %s: %q is not a number of calls per minute above 0", op, value)
		}
		given[op] = n
	}
	if _, all := given["*"]; all {
		return given, nil
	}
	quotas := activities.DefaultQuotas()
	maps.Copy(quotas, given)
	return quotas, nil
}

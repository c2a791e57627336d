package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
)

// fleetRow is one way of making n changes: as one NetworkFleet, or as n
// NetworkChange workflows started at once, on a cloudsim that refuses
// writes in flight together on one route table or router (its quirks
// OneWritePerRouteTable and OneConnectPerRouter).
type fleetRow struct {
	Name        string        `json:"name"`
	Changes     int           `json:"changes"`
	Sharing     int           `json:"sharing"` // changes sharing a route table or a router with another
	Concurrency int           `json:"concurrency,omitempty"`
	Wall        time.Duration `json:"wall"`
	Completed   int           `json:"completed"`
	Failed      int           `json:"failed"`
	CloudCalls  int           `json:"cloudCalls"`
	Conflicts   int           `json:"conflicts"`   // answers IncorrectStatus.RouteTable, ...RouteEntryPublishStatus, Forbidden.OnlyOneConnection
	FleetEvents int           `json:"fleetEvents"` // the fleet's own history events, every run
	FleetRuns   int           `json:"fleetRuns"`
}

// fleetConcurrency is the fleet's cap in the bench.
const fleetConcurrency = 100

var fleetConflictCodes = map[string]bool{"IncorrectStatus.RouteTable": true, "IncorrectStatus.RouteEntryPublishStatus": true,
	"Forbidden.OnlyOneConnection": true}

// runFleets makes n changes four ways: a fleet and independent workflows,
// each with no change sharing anything and with a tenth sharing (a
// twentieth publishing two by two from one route table, a twentieth
// connecting from one router).
func runFleets(ctx context.Context, st *stack, n int, logf func(string, ...any)) ([]fleetRow, error) {
	var rows []fleetRow
	for _, sharing := range []bool{false, true} {
		spec := cloudsim.FleetFixtureSpec{Prefix: "bf", Changes: n}
		if sharing {
			spec.SharedTables, spec.HubChanges = n/20, n/20
		}
		for _, asFleet := range []bool{true, false} {
			row, err := runFleetOnce(ctx, st, spec, asFleet)
			if err != nil {
				return rows, err
			}
			logf("%s: %d changes (%d sharing) in %s, %d completed, %d failed, %d cloud calls, %d conflict answers, %d fleet events",
				row.Name, row.Changes, row.Sharing, row.Wall.Round(time.Millisecond), row.Completed, row.Failed, row.CloudCalls, row.Conflicts, row.FleetEvents)
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func runFleetOnce(ctx context.Context, st *stack, spec cloudsim.FleetFixtureSpec, asFleet bool) (fleetRow, error) {
	row := fleetRow{Name: "independent workflows", Changes: spec.Changes, Sharing: spec.SharedTables + spec.HubChanges}
	if asFleet {
		row.Name, row.Concurrency = "NetworkFleet", fleetConcurrency
	}
	s, err := startSim(cloudsim.GenerateFleetFixture(spec), cloudsim.NewScaledClock(20))
	if err != nil {
		return row, err
	}
	defer s.stop()
	if err := s.srv.SetQuirks(cloudsim.Quirks{OneConnectPerRouter: true, OneWritePerRouteTable: true}); err != nil {
		return row, err
	}
	acts, err := simActivities(s, activities.PollSchedule{})
	if err != nil {
		return row, err
	}
	queue := fmt.Sprintf("bench-fleet-%d-%t-%d", spec.Changes, asFleet, row.Sharing)
	w, err := st.startWorker(ctx, queue, acts, tuning{})
	if err != nil {
		return row, err
	}
	defer w.stop()
	c, err := st.dial(ctx, nil, false)
	if err != nil {
		return row, err
	}
	defer c.Close()

	fleet := contract.NetworkFleetInput{Name: queue, Concurrency: fleetConcurrency, MaxErrors: -1,
		Defaults: &contract.NetworkChangeInput{RegionId: cloudsim.DefaultRegionID, TargetType: "ECR", TargetInstanceId: cloudsim.DefaultECRID,
			VpnConnectionId: cloudsim.DefaultVpnConnectionID, WaitTimeout: contract.Duration(5 * time.Minute)}}
	for i := range spec.Changes {
		ri, table, cidr := cloudsim.FleetChange(spec, i)
		fleet.Changes = append(fleet.Changes, contract.NetworkChangeInput{RouterInterfaceId: ri,
			RouteEntries: []contract.RouteEntry{{RouteTableId: table, DestinationCidrBlock: cidr}}})
	}

	started := time.Now()
	if asFleet {
		opts := contract.NetworkFleet.StartOptions(fleet)
		opts.TaskQueue = queue
		run, err := c.ExecuteWorkflow(ctx, opts, contract.NetworkFleet.Type, fleet)
		if err != nil {
			return row, err
		}
		var res contract.NetworkFleetResult
		_ = run.Get(ctx, &res) // a failed change fails the fleet: counted below
		row.Wall = time.Since(started)
		p, err := contract.QueryFleet(ctx, c, run.GetID(), "")
		if err != nil {
			return row, err
		}
		row.Completed, row.Failed = p.Counts[contract.FleetCompleted], p.Total-p.Counts[contract.FleetCompleted]
		row.FleetRuns = p.Runs
		if row.FleetEvents, err = fleetEvents(ctx, c, run.GetID()); err != nil {
			return row, err
		}
	} else {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, in := range fleet.ChangeInputs() {
			opts := contract.NetworkChange.StartOptions(in)
			opts.TaskQueue = queue
			run, err := c.ExecuteWorkflow(ctx, opts, contract.NetworkChange.Type, in)
			if err != nil {
				return row, err
			}
			wg.Go(func() {
				err := run.Get(ctx, nil)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					row.Failed++
				} else {
					row.Completed++
				}
			})
		}
		wg.Wait()
		row.Wall = time.Since(started)
	}
	row.CloudCalls = s.srv.CallCount("")
	for code := range fleetConflictCodes {
		row.Conflicts += s.srv.CodeCount(code)
	}
	return row, nil
}

// fleetEvents sums the history events of every run of the fleet, following
// its continue-as-new chain back from the latest run.
func fleetEvents(ctx context.Context, c client.Client, id string) (int, error) {
	total := 0
	runID := ""
	for {
		desc, err := c.DescribeWorkflowExecution(ctx, id, runID)
		if err != nil {
			return total, err
		}
		info := desc.GetWorkflowExecutionInfo()
		total += int(info.GetHistoryLength())
		// The first event of a continued run names the run before it.
		it := c.GetWorkflowHistory(ctx, id, info.GetExecution().GetRunId(), false, 0)
		if !it.HasNext() {
			return total, nil
		}
		first, err := it.Next()
		if err != nil {
			return total, err
		}
		runID = first.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		if runID == "" {
			return total, nil
		}
	}
}

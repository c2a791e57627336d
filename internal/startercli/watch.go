package startercli

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// A drift check takes the spec of the change (or fleet) it checks, as
// written for network-change or fleet: a spec with Changes is a fleet's.

// driftInput reads the spec at path into the DriftCheck of it.
func (a *App) driftInput(ctx context.Context, path string, repair bool) (contract.DriftCheckInput, error) {
	s, err := readSpec(ctx, path, a.Stdin)
	if err != nil {
		return contract.DriftCheckInput{}, err
	}
	in := contract.DriftCheckInput{Repair: repair}
	if s.hasTopLevelKey("Changes") {
		in.Fleet = &contract.NetworkFleetInput{}
		err = s.decode(in.Fleet)
	} else {
		in.Change = &contract.NetworkChangeInput{}
		err = s.decode(in.Change)
	}
	return in, err
}

// driftCheckCommand runs one DriftCheck of a spec.
func (a *App) driftCheckCommand() *cobra.Command {
	var ff followFlags
	var repair bool
	cmd := &cobra.Command{
		Use:   "drift-check -f SPEC [flags]",
		Short: contract.DriftCheck.Short,
		Example: `  starter drift-check -f docs/examples/network-change.yaml --wait
  starter drift-check -f docs/examples/fleet.yaml --repair --wait`,
		GroupID: "start",
		Long: contract.DriftCheck.Short + `.

The spec is a network-change or fleet spec (one with Changes is a
fleet's). The check only reads: the interface Active, the routes Published
to their target, the VPN connection seeing them, the cross-account
authorization there. Drift fails it (Drifted, VpcFlowStage drifted) naming
what moved; with --repair it runs the change or fleet again, through its
approval when its spec asks for one. 'starter watch' runs it on a schedule.`,
		Args: noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ff.spec == "" {
				return badUsage("starter drift-check: -f SPEC is required (the change's or fleet's spec)\nNothing was started.")
			}
			in, err := a.driftInput(cmd.Context(), ff.spec, repair)
			if err != nil {
				return badUsage("starter drift-check: %v\nNothing was started.", err)
			}
			input, opts, err := contract.DriftCheck.Prepare(&in)
			if err != nil {
				return problems("drift-check", err)
			}
			return a.dialed(cmd.Context(), func(c client.Client) error {
				return a.startWith(cmd.Context(), c, contract.DriftCheck.Type, input, opts, contract.DriftCheck.NewResult(), ff)
			})
		},
	}
	ff.bind(cmd)
	cmd.Flags().BoolVar(&repair, "repair", false, "on drift, run the change (or fleet) again")
	return cmd
}

// watchCommand creates, lists, pauses and deletes the Temporal Schedules
// that run drift checks.
func (a *App) watchCommand() *cobra.Command {
	var specPath string
	var every time.Duration
	var repair bool
	cmd := &cobra.Command{
		Use:   "watch -f SPEC --every DURATION [--repair]",
		Short: "run a drift check of a change or fleet on a Temporal Schedule (watch list|pause|unpause|delete)",
		Example: `  starter watch -f docs/examples/network-change.yaml --every 1h
  starter watch -f docs/examples/fleet.yaml --every 30m --repair
  starter watch list
  starter watch pause drift/network-fleet/demo
  starter watch delete drift/network-fleet/demo`,
		GroupID: "start",
		Long: `Create a Temporal Schedule that runs a DriftCheck of the spec's change (or
fleet) every DURATION, the first at once. Its ID is drift/<the change's or
fleet's workflow ID>; a check still running when the next is due is
skipped. The checks only read; with --repair a drift runs the change
again. The schedule is Temporal's: the Web UI's Schedules page shows it.`,
		Args: noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if specPath == "" {
				return badUsage("starter watch: -f SPEC is required (the change's or fleet's spec)\nNothing was created.")
			}
			if every < time.Second {
				return badUsage("starter watch: --every %s: give how often to check, at least 1s (such as 1h or 15m)\nNothing was created.", every)
			}
			in, err := a.driftInput(cmd.Context(), specPath, repair)
			if err != nil {
				return badUsage("starter watch: %v\nNothing was created.", err)
			}
			input, opts, err := contract.DriftCheck.Prepare(&in)
			if err != nil {
				return problems("watch", err)
			}
			return a.dialed(cmd.Context(), func(c client.Client) error {
				return a.createWatch(cmd.Context(), c, input.(contract.DriftCheckInput), opts, every)
			})
		},
	}
	cmd.Flags().StringVarP(&specPath, "file", "f", "", "the spec of the change or fleet to watch (.json, .yaml or .yml; - reads stdin)")
	cmd.Flags().DurationVar(&every, "every", 0, "how often to check, such as 1h")
	cmd.Flags().BoolVar(&repair, "repair", false, "on drift, run the change (or fleet) again")
	cmd.AddCommand(a.watchListCommand(),
		a.watchScheduleCommand("pause", "pause a watch: no check runs until it is unpaused", func(ctx context.Context, h client.ScheduleHandle) error {
			return h.Pause(ctx, client.SchedulePauseOptions{Note: "paused by starter watch pause"})
		}),
		a.watchScheduleCommand("unpause", "unpause a watch", func(ctx context.Context, h client.ScheduleHandle) error {
			return h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: "unpaused by starter watch unpause"})
		}),
		a.watchScheduleCommand("delete", "delete a watch (the checks it ran stay in the history)", func(ctx context.Context, h client.ScheduleHandle) error {
			return h.Delete(ctx)
		}))
	return cmd
}

// createWatch creates the schedule of in, the first check at once.
func (a *App) createWatch(ctx context.Context, c client.Client, in contract.DriftCheckInput, opts client.StartWorkflowOptions, every time.Duration) error {
	id := contract.DriftScheduleID(in.Target())
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:                 id,
		Spec:               client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}},
		Overlap:            enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		TriggerImmediately: true,
		Note:               "created by starter watch",
		Action: &client.ScheduleWorkflowAction{
			ID: opts.ID, Workflow: contract.DriftCheck.Type, Args: []any{in}, TaskQueue: opts.TaskQueue,
			TypedSearchAttributes: opts.TypedSearchAttributes, StaticSummary: opts.StaticSummary, StaticDetails: opts.StaticDetails,
		},
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return failed("starter watch: %s exists already: 'starter watch delete %s' first to change it", id, id)
	}
	if err != nil {
		return failed("starter watch: creating %s: %v", id, err)
	}
	if a.machine() {
		a.printJSON(map[string]any{"ScheduleId": id, "Every": every.String(), "Repair": in.Repair})
		return nil
	}
	say(a.Stdout, "%s: a drift check of %s every %s (the first now)%s\n", id, in.Target(), every, map[bool]string{true: ", repairing", false: ""}[in.Repair])
	say(a.Stdout, "Checks: starter watch list; drifted ones: VpcFlowStage = 'drifted' in the Web UI\n")
	return nil
}

// watchListCommand lists the watches.
func (a *App) watchListCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "list the watches: their interval, whether paused, their last check",
		Example: "  starter watch list -o json",
		Args:    noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.dialed(cmd.Context(), func(c client.Client) error { return a.listWatches(cmd.Context(), c) })
		},
	}
}

// watchRow is one watch as listed.
type watchRow struct {
	ScheduleId string    `json:"ScheduleId"`
	Every      string    `json:"Every"`
	Paused     bool      `json:"Paused"`
	NextRun    time.Time `json:"NextRun,omitzero"`
	LastCheck  string    `json:"LastCheck,omitempty"`
	LastRunId  string    `json:"LastRunId,omitempty"`
}

func (a *App) listWatches(ctx context.Context, c client.Client) error {
	it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	if err != nil {
		return failed("starter watch list: %v", err)
	}
	var rows []watchRow
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return failed("starter watch list: %v", err)
		}
		if !strings.HasPrefix(e.ID, "drift/") {
			continue
		}
		row := watchRow{ScheduleId: e.ID, Paused: e.Paused}
		if e.Spec != nil && len(e.Spec.Intervals) > 0 {
			row.Every = e.Spec.Intervals[0].Every.String()
		}
		if len(e.NextActionTimes) > 0 {
			row.NextRun = e.NextActionTimes[0]
		}
		if n := len(e.RecentActions); n > 0 {
			if r := e.RecentActions[n-1].StartWorkflowResult; r != nil {
				row.LastCheck, row.LastRunId = r.WorkflowID, r.FirstExecutionRunID
			}
		}
		rows = append(rows, row)
	}
	if a.machine() {
		a.printJSON(rows)
		return nil
	}
	if len(rows) == 0 {
		sayln(a.Stdout, "No watches: starter watch -f SPEC --every 1h")
		return nil
	}
	for _, r := range rows {
		paused := ""
		if r.Paused {
			paused = " (paused)"
		}
		say(a.Stdout, "%s every %s%s; last check %s\n", r.ScheduleId, r.Every, paused, r.LastCheck)
	}
	return nil
}

// watchScheduleCommand acts on one watch by its schedule ID (or the
// workflow ID it watches).
func (a *App) watchScheduleCommand(name, short string, act func(context.Context, client.ScheduleHandle) error) *cobra.Command {
	return &cobra.Command{
		Use:     name + " SCHEDULE_ID",
		Short:   short,
		Example: "  starter watch " + name + " drift/network-change/ri-bp1cloudsiminit0001",
		Args:    oneWorkflowID,
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if !strings.HasPrefix(id, "drift/") {
				id = contract.DriftScheduleID(id)
			}
			return a.dialed(cmd.Context(), func(c client.Client) error {
				err := act(cmd.Context(), c.ScheduleClient().GetHandle(cmd.Context(), id))
				var notFound *serviceerror.NotFound
				if errors.As(err, &notFound) {
					return failed("starter watch %s: no watch %s (starter watch list)", name, id)
				}
				if err != nil {
					return failed("starter watch %s: %s: %v", name, id, err)
				}
				say(a.Stdout, "%s: %sd\n", id, strings.TrimSuffix(name, "e"))
				return nil
			})
		},
	}
}

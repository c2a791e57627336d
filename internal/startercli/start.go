package startercli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// followFlags are the flags every starting command has.
type followFlags struct {
	spec string
	wait bool
}

func (f *followFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.spec, "file", "f", "", "read the input from this spec file (.json, .yaml or .yml; - reads stdin); flags given too win")
	_ = cmd.MarkFlagFilename("file", "json", "yaml", "yml")
	cmd.Flags().BoolVar(&f.wait, "wait", false, "follow the workflow: live progress, then its result")
}

// examples are the --help examples of the commands that start a
// workflow, on the dev stack's fixture.
var examples = map[string]string{
	contract.ConnectRouterInterface.Command: `  starter connect --region cn-hangzhou --router-interface ri-bp1cloudsiminit0001 --wait`,
	contract.PublishVpcRoutes.Command: `  starter publish --region cn-hangzhou --target ecr-cloudsimdemo0001 \
    --route vtb-bp1cloudsimsys0001=10.10.1.0/24 --wait`,
	contract.VerifyVpnRoutes.Command: `  starter verify --region cn-hangzhou --vpn-connection vco-bp1cloudsimdemo0001 --expect bgp:10.10.1.0/24 --wait`,
	contract.NetworkChange.Command: `  starter network-change -f docs/examples/network-change.yaml --wait
  starter network-change -f docs/examples/network-change.yaml --approval --on-failure rollback
  cat change.json | starter network-change -f - -o json`,
	contract.NetworkChangePlan.Command: `  starter plan -f docs/examples/network-change.yaml --wait`,
	contract.NetworkFleet.Command: `  starter fleet -f docs/examples/fleet.yaml --wait
  starter fleet -f docs/examples/fleet.yaml --approval --wait
  starter fleet -f fleet.yaml --concurrency 20 --max-errors 3 --wait`,
	contract.Rollback.Command: `  starter rollback network-change/ri-bp1cloudsiminit0001 --wait
  starter rollback network-change/ri-bp1cloudsiminit0001 --deactivate-interface --wait
  starter rollback apig-endpoint-change/c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6 --wait`,
	contract.ApigEndpointConnections.Command: `  starter apig-endpoints -f docs/examples/apig-endpoints.json --wait`,
	contract.ApigEndpointChange.Command: `  starter apig-accept -f docs/examples/apig-accept.json --approval --on-failure rollback --wait
  starter apig-accept --instance c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6 --endpoint 0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f --wait
  starter apig-accept -f docs/examples/apig-accept.json --action reject --wait`,
	contract.ApigEndpointChangePlan.Command: `  starter apig-plan -f docs/examples/apig-accept.json --wait`,
}

// workflowCommand is the command that starts workflow w: a flag per field
// of its input, and the spec file under them.
func (a *App) workflowCommand(w contract.Described) *cobra.Command {
	d := w.Describe()
	var ff followFlags
	var flags []*boundFlag
	cmd := &cobra.Command{
		Use:     d.Command + " [flags]",
		Short:   d.Short,
		Example: examples[d.Command],
		GroupID: "start",
		Long: fmt.Sprintf(`Start %s: %s.

Each flag sets a field of the input; -f reads the input from a spec file
(JSON or YAML, with the JSON field names of docs/integration.md), and flags
given too win over the file. The input is validated first, every problem
listed: nothing starts on bad input. The workflow ID is derived from what
the change touches, so starting the same change twice attaches to the
running workflow.`, d.Type, d.Short),
		Args: noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := w.NewInput()
			if ff.spec != "" {
				if err := loadSpec(cmd.Context(), ff.spec, a.Stdin, in); err != nil {
					return badUsage("starter %s: %v\nNothing was started.", d.Command, err)
				}
			}
			for _, f := range flags {
				if err := f.apply(in, ff.spec != ""); err != nil {
					return badUsage("starter %s: --%s: %v\nNothing was started.", d.Command, f.name, err)
				}
			}
			nameRequester(in)
			input, opts, err := w.Prepare(in)
			if err != nil {
				return problems(d.Command, err)
			}
			return a.dialed(cmd.Context(), func(c client.Client) error {
				return a.startWith(cmd.Context(), c, d.Type, input, opts, w.NewResult(), ff)
			})
		},
	}
	// The flags in the order of the input's fields, then the spec file
	// and how to follow.
	cmd.Flags().SortFlags = false
	flags = bindInputFlags(cmd, w.NewInput())
	ff.bind(cmd)
	return cmd
}

// nameRequester names the user running the starter as who asks for a
// change that asks for approval and names no one: with four eyes (the
// approval policy's default) they may not approve it themselves.
func nameRequester(in any) {
	var a *contract.Approval
	switch in := in.(type) {
	case *contract.NetworkChangeInput:
		a = in.Approval
	case *contract.ApigEndpointChangeInput:
		a = in.Approval
	case *contract.NetworkFleetInput:
		a = in.Approval
	}
	if a != nil && a.RequestedBy == "" {
		a.RequestedBy = currentUser()
	}
}

// noArguments refuses arguments: every value of a workflow command is a
// flag's.
func noArguments(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments %q (every value is a flag's; values with spaces need quotes)", args)
	}
	return nil
}

// startWith starts (or attaches to) the workflow and reports it.
func (a *App) startWith(ctx context.Context, c client.Client, workflowType string, input any, opts client.StartWorkflowOptions,
	result any, ff followFlags) error {
	run, err := contract.Start(ctx, c, opts, workflowType, input)
	var conflict *contract.ConflictingStartError
	if errors.As(err, &conflict) {
		return failed("starter: %v", conflict)
	}
	if err != nil {
		return failed("starter: starting %s %s: %v", workflowType, opts.ID, err)
	}
	link := a.uiLink(a.namespace(), run.GetID(), run.GetRunID())
	started := map[string]any{"WorkflowId": run.GetID(), "RunId": run.GetRunID(), "WebUI": link}
	switch {
	case !a.machine():
		say(a.Stdout, "%s %s (run %s)\nWeb UI: %s\n", workflowType, run.GetID(), run.GetRunID(), link)
	case a.output == outputJSONL || !ff.wait:
		a.printJSON(started)
	}
	if !ff.wait {
		return nil
	}
	if workflowType == contract.NetworkFleet.Type {
		return a.followFleet(ctx, c, run, result, link)
	}
	return a.follow(ctx, c, run, result, link)
}

// follow prints the workflow's progress as it changes, then its result:
// a line a step as text, a JSON object a step with -o jsonl, nothing but
// the result with -o json.
//
// Each progress query is a billable Temporal Cloud action ("query received
// by a worker"), and a workflow's progress changes only when its history
// does (a step ends, a stage is set). So follow long-polls the history, which
// is not billed, and queries at most once per interval and only after new
// events; with -o json it shows no progress and queries nothing.
func (a *App) follow(ctx context.Context, c client.Client, run client.WorkflowRun, result any, link string) error {
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, result) }()
	showProgress := a.output != outputJSON
	var moved <-chan struct{}
	if showProgress {
		watchCtx, stopWatching := context.WithCancel(ctx)
		defer stopWatching()
		moved = historyMoves(watchCtx, c, run.GetID(), run.GetRunID())
	}
	interval := a.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	started := time.Now()
	var last string
	pending := showProgress // the first stage is worth a query
	show := func() {
		pending = false
		p, err := queryProgress(ctx, c, run.GetID(), run.GetRunID())
		if err != nil {
			return
		}
		line := p.Stage
		if p.LastCloudState != "" {
			line += "  (cloud: " + p.LastCloudState + ")"
		}
		if line == last {
			return
		}
		last = line
		if a.machine() {
			a.printJSON(map[string]any{"Elapsed": time.Since(started).Seconds(), "Stage": p.Stage, "CloudState": p.LastCloudState})
		} else {
			say(a.Stdout, "[%6.1fs] %s\n", time.Since(started).Seconds(), line)
		}
	}
	for {
		select {
		case err := <-done:
			if showProgress {
				show()
				if err != nil && !a.machine() {
					a.printChanges(ctx, c, run.GetID(), run.GetRunID())
				}
			}
			return a.report(run, result, err, link)
		case <-moved:
			pending = true
		case <-tick.C:
			if pending {
				show()
			}
		case <-ctx.Done():
			return failed("starter: stopped following; the workflow goes on: %s", link)
		}
	}
}

// historyMoves signals (without blocking, so signals coalesce) each time the
// workflow's history gains events, until ctx ends or the history closes.
func historyMoves(ctx context.Context, c client.Client, id, runID string) <-chan struct{} {
	moved := make(chan struct{}, 1)
	go func() {
		it := c.GetWorkflowHistory(ctx, id, runID, true, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			if _, err := it.Next(); err != nil {
				return
			}
			select {
			case moved <- struct{}{}:
			default:
			}
		}
	}()
	return moved
}

// report prints how the workflow ended: its result, or its failure (and
// ends the command with exitFailed).
func (a *App) report(run client.WorkflowRun, result any, err error, link string) error {
	if a.machine() {
		out := map[string]any{"WorkflowId": run.GetID(), "RunId": run.GetRunID(), "WebUI": link}
		if err != nil {
			out["Error"] = failureOf(err)
		} else {
			out["Result"] = result
		}
		a.printJSON(out)
	} else if err != nil {
		say(a.Stderr, "FAILED: %v\n", err)
	} else {
		a.printResult(result)
	}
	if err != nil {
		return exitWith(exitFailed)
	}
	return nil
}

// printChanges tells, after a failure, what the workflow had changed before it.
func (a *App) printChanges(ctx context.Context, c client.Client, id, runID string) {
	p, err := queryProgress(ctx, c, id, runID)
	if err != nil {
		return
	}
	if len(p.ChangeRequestIds) == 0 && p.Changed == nil {
		sayln(a.Stderr, "Nothing was changed before the failure.")
		return
	}
	if p.Changed != nil {
		say(a.Stderr, "Changed before the failure: %s\n", p.Changed)
	}
	if len(p.ChangeRequestIds) > 0 {
		say(a.Stderr, "Changed before the failure (RequestIds): %s\n", strings.Join(p.ChangeRequestIds, " "))
	}
	switch {
	case p.Rollback != nil:
		printRollback(a.Stderr, p.Rollback.Result, p.Rollback.Error)
	case p.Changed != nil && !p.Changed.Empty():
		say(a.Stderr, "Kept; undo it with: starter rollback %s\n", id)
	}
}

// failureOf is the JSON shape of a workflow failure: the innermost
// application error's type and message, which is the cloud's code.
func failureOf(err error) map[string]any {
	out := map[string]any{"Message": err.Error()}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		out["Type"] = appErr.Type()
		out["NonRetryable"] = appErr.NonRetryable()
	}
	return out
}

// Package startercli is the starter command: a subcommand per workflow that
// validates its input, starts the workflow with a deterministic ID, and
// follows it; status and result of a workflow by ID; and the demo.
package startercli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/redact"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1 // the workflow failed, or Temporal could not be reached
	exitBadUsage = 2 // bad flags or input: nothing was started
)

// App holds what the commands need from the outside, so tests can run them.
type App struct {
	Stdout, Stderr io.Writer
	// Dial connects to Temporal; nil means envconfig's default client
	// options (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, profiles).
	Dial func(ctx context.Context) (client.Client, error)
	// Namespace is the namespace Dial connects to, for Web UI links; dial
	// sets it from envconfig.
	Namespace string
	// UIBase is the Web UI's address for workflow links; "" reads
	// VPCFLOW_UI_URL, else http://localhost:8233.
	UIBase string
	// PollInterval paces --wait; 0 means one second.
	PollInterval time.Duration
}

// Run runs the starter with args (without the program name) and returns the
// exit code. Everything it prints is redacted first (internal/redact): an
// error from a dial or a failure read back may quote a credential.
func (a *App) Run(ctx context.Context, args []string) int {
	out := *a
	out.Stdout, out.Stderr = redact.Writer(a.Stdout), redact.Writer(a.Stderr)
	return out.run(ctx, args)
}

func (a *App) run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(a.Stdout)
		if len(args) == 0 {
			return exitBadUsage
		}
		return exitOK
	}
	name, rest := args[0], args[1:]
	for _, cmd := range workflowCommands {
		if cmd.name == name {
			return a.runWorkflowCommand(ctx, cmd, rest)
		}
	}
	switch name {
	case "status":
		return a.runStatus(ctx, rest)
	case "result":
		return a.runResult(ctx, rest)
	case "demo":
		return a.runDemo(ctx, rest)
	}
	fmt.Fprintf(a.Stderr, "starter: unknown command %q\n\n", name)
	a.usage(a.Stderr)
	return exitBadUsage
}

func (a *App) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: starter COMMAND [flags]")
	fmt.Fprintln(w, "\nStart a vpcflow workflow (and follow it with --wait):")
	for _, cmd := range workflowCommands {
		fmt.Fprintf(w, "  %-16s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w, "\nInspect a workflow:")
	fmt.Fprintf(w, "  %-16s %s\n", "status ID", "its status and progress")
	fmt.Fprintf(w, "  %-16s %s\n", "result ID", "wait for its result")
	fmt.Fprintln(w, "\nTry it:")
	fmt.Fprintf(w, "  %-16s %s\n", "demo", "start an embedded Temporal server, Web UI and cloudsim, and run NetworkChange")
	fmt.Fprintln(w, "\nRun 'starter COMMAND -h' for a command's flags. Temporal is reached as the")
	fmt.Fprintln(w, "TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY ... variables say (default localhost:7233).")
}

// newFlagSet makes a command's flag set, printing errors and help to stderr.
func (a *App) newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: starter %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// followFlags are the flags every starting command has.
type followFlags struct {
	spec string
	wait bool
	json bool
}

func (f *followFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.spec, "f", "", "read the input from this spec file (.json, .yaml or .yml); flags given too win")
	fs.BoolVar(&f.wait, "wait", false, "follow the workflow: live progress, then its result")
	fs.BoolVar(&f.json, "json", false, "print machine-readable JSON instead of text")
}

func (a *App) runWorkflowCommand(ctx context.Context, cmd workflowCommand, args []string) int {
	fs := a.newFlagSet(cmd.name, cmd.name+" [flags]   ("+cmd.summary+")")
	var ff followFlags
	ff.bind(fs)
	build := cmd.bind(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBadUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.Stderr, "starter %s: unexpected arguments %q (flags come before them? values with spaces need quotes)\n", cmd.name, fs.Args())
		return exitBadUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	req, err := build(ff.spec, set)
	if err != nil {
		fmt.Fprintf(a.Stderr, "starter %s: %v\nNothing was started.\n", cmd.name, err)
		return exitBadUsage
	}
	if err := req.input.Validate(); err != nil {
		a.printProblems(cmd.name, err)
		return exitBadUsage
	}
	return a.start(ctx, cmd.workflowType, req, ff)
}

// printProblems lists every validation problem, one per line.
func (a *App) printProblems(command string, err error) {
	var v *contract.ValidationError
	if !errors.As(err, &v) {
		fmt.Fprintf(a.Stderr, "starter %s: %v\nNothing was started.\n", command, err)
		return
	}
	fmt.Fprintf(a.Stderr, "starter %s: the input has %s:\n", command, plural(len(v.Problems), "problem"))
	for _, p := range v.Problems {
		fmt.Fprintf(a.Stderr, "  - %s\n", p)
	}
	fmt.Fprintln(a.Stderr, "Nothing was started.")
}

func (a *App) dial(ctx context.Context) (client.Client, error) {
	if a.Dial != nil {
		return a.Dial(ctx)
	}
	opts, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		return nil, fmt.Errorf("temporal connection settings: %w", err)
	}
	a.Namespace = opts.Namespace
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		addr := opts.HostPort
		if addr == "" {
			addr = client.DefaultHostPort
		}
		return nil, fmt.Errorf("cannot reach Temporal at %s (start one with 'go run ./worker --dev', or set TEMPORAL_ADDRESS): %w", addr, err)
	}
	return c, nil
}

// start starts (or attaches to) the workflow and reports it.
func (a *App) start(ctx context.Context, workflowType string, req startRequest, ff followFlags) int {
	c, err := a.dial(ctx)
	if err != nil {
		fmt.Fprintf(a.Stderr, "starter: %v\n", err)
		return exitFailed
	}
	defer c.Close()
	return a.startWith(ctx, c, workflowType, req, ff)
}

func (a *App) startWith(ctx context.Context, c client.Client, workflowType string, req startRequest, ff followFlags) int {
	opts := client.StartWorkflowOptions{
		ID:                       req.id,
		TaskQueue:                contract.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:            truncate(req.summary, 200),
		StaticDetails:            staticDetails(workflowType, req.input),
		TypedSearchAttributes:    req.searchAttributes,
	}
	run, err := c.ExecuteWorkflow(ctx, opts, workflowType, req.input)
	if err != nil {
		fmt.Fprintf(a.Stderr, "starter: starting %s %s: %v\n", workflowType, req.id, err)
		return exitFailed
	}
	link := a.uiLink(a.namespace(), run.GetID(), run.GetRunID())
	if !ff.json {
		fmt.Fprintf(a.Stdout, "%s %s (run %s)\nWeb UI: %s\n", workflowType, run.GetID(), run.GetRunID(), link)
	}
	if !ff.wait {
		if ff.json {
			a.printJSON(map[string]any{"WorkflowId": run.GetID(), "RunId": run.GetRunID(), "WebUI": link})
		}
		return exitOK
	}
	return a.follow(ctx, c, run, req.newResult(), ff.json, link)
}

// follow prints the workflow's progress as it changes, then its result.
//
// Each progress query is a billable Temporal Cloud action ("query received
// by a worker"), and a workflow's progress changes only when its history
// does (a step ends, a stage is set). So follow long-polls the history, which
// is not billed, and queries at most once per interval and only after new
// events; with --json it prints no progress and queries nothing.
func (a *App) follow(ctx context.Context, c client.Client, run client.WorkflowRun, result any, asJSON bool, link string) int {
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, result) }()
	var moved <-chan struct{}
	if !asJSON {
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
	pending := !asJSON // the first stage is worth a query
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
		if line != last {
			fmt.Fprintf(a.Stdout, "[%6.1fs] %s\n", time.Since(started).Seconds(), line)
			last = line
		}
	}
	for {
		select {
		case err := <-done:
			if !asJSON {
				show()
				if err != nil {
					a.printChanges(ctx, c, run.GetID(), run.GetRunID())
				}
			}
			return a.report(run, result, err, asJSON, link)
		case <-moved:
			pending = true
		case <-tick.C:
			if pending {
				show()
			}
		case <-ctx.Done():
			fmt.Fprintf(a.Stderr, "starter: stopped following; the workflow goes on: %s\n", link)
			return exitFailed
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

func (a *App) report(run client.WorkflowRun, result any, err error, asJSON bool, link string) int {
	if asJSON {
		out := map[string]any{"WorkflowId": run.GetID(), "RunId": run.GetRunID(), "WebUI": link}
		if err != nil {
			out["Error"] = failureOf(err)
		} else {
			out["Result"] = result
		}
		a.printJSON(out)
	} else if err != nil {
		fmt.Fprintf(a.Stderr, "FAILED: %v\n", err)
	} else {
		a.printResult(result)
	}
	if err != nil {
		return exitFailed
	}
	return exitOK
}

// printChanges tells, after a failure, what the workflow had changed before it.
func (a *App) printChanges(ctx context.Context, c client.Client, id, runID string) {
	p, err := queryProgress(ctx, c, id, runID)
	if err != nil {
		return
	}
	if len(p.ChangeRequestIds) == 0 {
		fmt.Fprintln(a.Stderr, "Nothing was changed before the failure.")
		return
	}
	fmt.Fprintf(a.Stderr, "Changed before the failure (RequestIds): %s\n", strings.Join(p.ChangeRequestIds, " "))
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

// printResult shows a result for people: its steps as a table, then its
// other fields, one line each (--json gives the whole result).
func (a *App) printResult(result any) {
	data, _ := json.Marshal(result)
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		fmt.Fprintf(a.Stdout, "Result: %s\n", data)
		return
	}
	var steps []contract.Step
	if json.Unmarshal(fields["Steps"], &steps) == nil && len(steps) > 0 {
		fmt.Fprintf(a.Stdout, "\n  %-36s %-8s %8s  %-22s %s\n", "STEP", "OUTCOME", "MS", "CLOUD STATE", "REQUEST IDS")
		for _, st := range steps {
			fmt.Fprintf(a.Stdout, "  %-36s %-8s %8d  %-22s %s\n", st.Name, st.Outcome, st.DurationMillis,
				truncate(st.CloudState, 22), strings.Join(st.RequestIds, " "))
		}
		fmt.Fprintln(a.Stdout)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if v := string(fields[k]); k != "Steps" && v != "null" && v != "[]" && v != `""` {
			fmt.Fprintf(a.Stdout, "  %s: %s\n", k, v)
		}
	}
}

func (a *App) printJSON(v any) {
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func queryProgress(ctx context.Context, c client.Client, id, runID string) (contract.Progress, error) {
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	val, err := c.QueryWorkflow(qctx, id, runID, contract.ProgressQuery)
	if err != nil {
		return contract.Progress{}, err
	}
	var p contract.Progress
	err = val.Get(&p)
	return p, err
}

func (a *App) runStatus(ctx context.Context, args []string) int {
	return a.runOnWorkflow(ctx, "status", args, a.status)
}

func (a *App) runResult(ctx context.Context, args []string) int {
	return a.runOnWorkflow(ctx, "result", args, a.result)
}

// runOnWorkflow parses "COMMAND [--json] WORKFLOW_ID", dials Temporal and
// runs do on the workflow.
func (a *App) runOnWorkflow(ctx context.Context, name string, args []string,
	do func(ctx context.Context, c client.Client, id string, asJSON bool) int) int {
	fs := a.newFlagSet(name, name+" [--json] WORKFLOW_ID")
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBadUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(a.Stderr, "starter %s: want exactly one workflow ID, got %d arguments\n", name, fs.NArg())
		fs.Usage()
		return exitBadUsage
	}
	c, err := a.dial(ctx)
	if err != nil {
		fmt.Fprintf(a.Stderr, "starter: %v\n", err)
		return exitFailed
	}
	defer c.Close()
	return do(ctx, c, fs.Arg(0), *asJSON)
}

func (a *App) status(ctx context.Context, c client.Client, id string, asJSON bool) int {
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		fmt.Fprintf(a.Stderr, "starter status: %s: %v\n", id, err)
		return exitFailed
	}
	info := desc.GetWorkflowExecutionInfo()
	status := strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_")
	p, perr := queryProgress(ctx, c, id, info.GetExecution().GetRunId())
	link := a.uiLink(a.namespace(), id, info.GetExecution().GetRunId())
	if asJSON {
		out := map[string]any{"WorkflowId": id, "RunId": info.GetExecution().GetRunId(), "Type": info.GetType().GetName(),
			"Status": status, "StartTime": info.GetStartTime().AsTime(), "WebUI": link}
		if perr == nil {
			out["Progress"] = p
		}
		a.printJSON(out)
		return exitOK
	}
	fmt.Fprintf(a.Stdout, "%s %s: %s, started %s\n", info.GetType().GetName(), id, status, info.GetStartTime().AsTime().Format(time.RFC3339))
	if perr == nil {
		fmt.Fprintf(a.Stdout, "stage: %s", p.Stage)
		if p.LastCloudState != "" {
			fmt.Fprintf(a.Stdout, ", cloud state: %s", p.LastCloudState)
		}
		fmt.Fprintf(a.Stdout, ", %d steps, %d attempts\n", len(p.Steps), p.Attempts)
		if len(p.ChangeRequestIds) > 0 {
			fmt.Fprintf(a.Stdout, "changed (RequestIds): %s\n", strings.Join(p.ChangeRequestIds, " "))
		}
		for _, s := range p.Steps {
			fmt.Fprintf(a.Stdout, "  %-36s %-8s %6d ms  %s\n", s.Name, s.Outcome, s.DurationMillis, s.CloudState)
		}
	}
	fmt.Fprintf(a.Stdout, "Web UI: %s\n", link)
	return exitOK
}

func (a *App) result(ctx context.Context, c client.Client, id string, asJSON bool) int {
	run := c.GetWorkflow(ctx, id, "")
	var result json.RawMessage
	err := run.Get(ctx, &result)
	return a.report(run, result, err, asJSON, a.uiLink(a.namespace(), id, run.GetRunID()))
}

// uiLink is the Web UI page of a workflow run.
func (a *App) uiLink(namespace, id, runID string) string {
	base := a.UIBase
	if base == "" {
		base = os.Getenv("VPCFLOW_UI_URL")
	}
	if base == "" {
		base = "http://localhost:8233"
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history", strings.TrimSuffix(base, "/"),
		url.PathEscape(namespace), url.PathEscape(id), url.PathEscape(runID))
}

// namespace is the namespace the client was dialed with.
func (a *App) namespace() string {
	if a.Namespace == "" {
		return client.DefaultNamespace
	}
	return a.Namespace
}

// staticDetails is the Markdown the Web UI shows for the workflow: its input.
func staticDetails(workflowType string, input any) string {
	data, _ := json.MarshalIndent(input, "", "  ")
	return truncate(fmt.Sprintf("**%s** started by the vpcflow starter\n\n```json\n%s\n```\n", workflowType, data), 20000)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Package startercli is the starter command: a command per workflow (made
// from its description in package contract) that validates the input,
// starts the workflow with its deterministic ID, and follows it; status and
// result of a workflow by ID; the dev stack and the demo; and shell
// completion. It is built on cobra, as the temporal CLI and kubectl are:
// flags go anywhere on the command line.
package startercli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/redact"
	"github.com/vpcflow/vpcflow/internal/telemetry"
)

// App holds what the commands need from the outside, so tests can run them.
type App struct {
	// Stdin is read by -f - (a spec piped in); nil reads nothing.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Dial connects to Temporal; nil means envconfig's client options
	// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, profiles), with
	// the connection flags given in place of their variables.
	Dial func(ctx context.Context) (client.Client, error)
	// Namespace is the namespace Dial connects to, for Web UI links; dial
	// sets it from envconfig.
	Namespace string
	// UIBase is the Web UI's address for workflow links; "" reads
	// VPCFLOW_UI_URL, else http://localhost:8233.
	UIBase string
	// PollInterval paces --wait; 0 means one second.
	PollInterval time.Duration

	// telemetry is what dial set up, flushed when the command ends.
	telemetry *telemetry.Telemetry
	// output is the -o flag; conn the connection flags.
	output outputFormat
	conn   connection
	// barTo is the raw stderr when it is a terminal, for a fleet's
	// progress bar; nil otherwise.
	barTo io.Writer
}

// flushTelemetry sends the spans the command made before the starter exits.
func (a *App) flushTelemetry() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.telemetry.Shutdown(ctx); err != nil {
		say(a.Stderr, "starter: traces not sent: %v\n", err)
	}
}

// Run runs the starter with args (without the program name) and returns the
// exit code. A command that fails says why once, here. Everything it prints
// is redacted first (internal/redact): an error from a dial or a failure
// read back may quote a credential; and no control character but newline
// and tab reaches the terminal (terminal.go).
func (a *App) Run(ctx context.Context, args []string) int {
	out := *a
	out.barTo = terminalOf(a.Stderr)
	out.Stdout, out.Stderr = redact.Writer(terminalWriter{a.Stdout}), redact.Writer(terminalWriter{a.Stderr})
	root := out.rootCommand()
	root.SetArgs(args)
	root.SetOut(out.Stdout)
	root.SetErr(out.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	out.flushTelemetry()
	var ended *commandError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ended):
		if ended.msg != "" {
			_, _ = io.WriteString(out.Stderr, ended.msg+"\n")
		}
		return ended.code
	}
	// The command line itself is wrong (an unknown command or flag, a bad
	// value, arguments where none are taken): cobra said nothing yet.
	say(out.Stderr, "%s: %v\nRun '%s --help' for usage. Nothing was started.\n", cmd.CommandPath(), err, cmd.CommandPath())
	return exitBadUsage
}

// How long a command may take to end after SIGINT or SIGTERM cancelled
// its context before the process ends it (RunUntilSignalled). A command
// that stops servers (dev, demo) says it needs longer, with an annotation.
const (
	stopGrace           = 2 * time.Second
	serverStopGrace     = 30 * time.Second
	stopGraceAnnotation = "vpcflow.stop-grace"
)

// RunUntilSignalled runs the starter as its process does: SIGINT and
// SIGTERM cancel the command's context, and every command ends soon after
// (with what it says then, such as "stopped following"). One that has not
// ended within its grace, blocked where no context reaches, ends with exit
// code 130, and a second signal ends the process at once. It returns the
// exit code; exit is os.Exit, given so that a test can watch the grace.
func (a *App) RunUntilSignalled(args []string, exit func(int)) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	done := make(chan struct{})
	defer close(done)
	grace := a.stopGraceOf(args)
	go func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		// The signal handling reverts to the default: a second one ends
		// the process at once.
		stop()
		select {
		case <-done:
		case <-time.After(grace):
			say(a.Stderr, "starter: interrupted; did not stop within %s\n", grace)
			exit(130)
		}
	}()
	return a.Run(ctx, args)
}

// stopGraceOf is the grace of the command args run.
func (a *App) stopGraceOf(args []string) time.Duration {
	cmd, _, err := a.rootCommand().Find(args)
	if err == nil {
		if d, perr := time.ParseDuration(cmd.Annotations[stopGraceAnnotation]); perr == nil {
			return d
		}
	}
	return stopGrace
}

func init() {
	// The commands are listed as contract.Workflows orders them, the
	// whole change among its parts, not alphabetically.
	cobra.EnableCommandSorting = false
}

// rootCommand is the starter: a command per workflow of contract.Workflows,
// then the commands that inspect a workflow, the dev stack and the demo,
// and completion. Its flags, as the temporal CLI's, go with every command:
// -o/--output and the connection flags.
func (a *App) rootCommand() *cobra.Command {
	var jsonAlias bool
	root := &cobra.Command{
		Use:   "starter",
		Short: "Start vpcflow workflows and follow them",
		Long: `Start vpcflow workflows and follow them.

Temporal is reached as the temporal CLI reaches it: the connection flags
(--address, --namespace, --api-key, --tls-*-path, --profile), else the
TEMPORAL_* variables, else the profile of the config file (default
localhost:7233). The Web UI links use VPCFLOW_UI_URL (default
http://localhost:8233).`,
		Example: `  starter dev                                                  # a Temporal server, its Web UI, cloudsim and a worker
  starter network-change -f docs/examples/network-change.yaml --wait
  starter status network-change/ri-bp1cloudsiminit0001 -o json`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			if jsonAlias {
				a.output = outputJSON
			}
			if cmd.Flags().Changed("api-key") {
				sayln(a.Stderr, "starter: --api-key on a command line is seen by every user of this machine (ps) and kept in shell history; prefer TEMPORAL_API_KEY or a profile of the config file")
			}
		},
		// Run without a command, the starter lists them and fails: it
		// was asked to do nothing.
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return exitWith(exitBadUsage)
		},
	}
	flags := root.PersistentFlags()
	flags.VarP(&a.output, "output", "o", "text, json (one document) or jsonl (a JSON object a line: with --wait, one per progress step, then the result)")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(outputFormats, cobra.ShellCompDirectiveNoFileComp))
	flags.BoolVar(&jsonAlias, "json", false, "the same as -o json")
	_ = flags.MarkHidden("json")
	a.conn.bind(flags)
	root.AddGroup(&cobra.Group{ID: "start", Title: "Start a workflow (and follow it with --wait):"},
		&cobra.Group{ID: "inspect", Title: "Inspect a workflow:"},
		&cobra.Group{ID: "decide", Title: "Decide on a change (approve or reject its plan, cancel it):"},
		&cobra.Group{ID: "try", Title: "Try it:"})
	for _, w := range contract.Workflows() {
		switch w.Describe().Type {
		case contract.Rollback.Type:
			// Its input is read from the change it undoes.
			root.AddCommand(a.rollbackCommand())
			continue
		case contract.DriftCheck.Type:
			// Its input is the spec of the change or fleet it checks.
			root.AddCommand(a.driftCheckCommand(), a.watchCommand())
			continue
		}
		root.AddCommand(a.workflowCommand(w))
	}
	root.AddCommand(a.inspectCommand("status", "its status and progress", "starter status network-change/ri-bp1cloudsiminit0001", a.status),
		a.inspectCommand("result", "wait for its result", "starter result network-change/ri-bp1cloudsiminit0001 -o json", a.result),
		a.auditCommand(),
		a.decideCommand(true), a.decideCommand(false), a.cancelCommand(),
		a.devCommand(),
		a.demoCommand())
	root.AddCommand(a.replayCheckCommand())
	return root
}

func (a *App) dial(ctx context.Context) (client.Client, error) {
	if a.Dial != nil {
		return a.Dial(ctx)
	}
	opts, err := a.conn.clientOptions()
	if err != nil {
		return nil, fmt.Errorf("temporal connection settings: %w", err)
	}
	a.Namespace = opts.Namespace
	// With traces asked for (OTEL_* variables), a start is the root span
	// of the workflow's trace (docs/operations.md).
	if a.telemetry, err = telemetry.Setup(ctx, telemetry.Options{Service: "vpcflow-starter"}); err != nil {
		return nil, err
	}
	opts = a.telemetry.Apply(opts)
	// A payload too large for vpcflow is refused here, before it is sent.
	opts.Interceptors = append(opts.Interceptors, contract.BoundedPayloads())
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		addr := opts.HostPort
		if addr == "" {
			addr = client.DefaultHostPort
		}
		return nil, fmt.Errorf("cannot reach Temporal at %s (start one with 'go run ./starter dev', or give --address or TEMPORAL_ADDRESS): %w", addr, err)
	}
	return c, nil
}

// dialed runs do with a client of Temporal, closed after it.
func (a *App) dialed(ctx context.Context, do func(client.Client) error) error {
	c, err := a.dial(ctx)
	if err != nil {
		return failed("starter: %v", err)
	}
	defer c.Close()
	return do(c)
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

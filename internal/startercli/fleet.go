package startercli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"go.temporal.io/sdk/client"
	"golang.org/x/term"

	"github.com/vpcflow/vpcflow/contract"
)

// A fleet is followed by its counts: a progress bar on a terminal (drawn
// by progressbar, on the raw stderr: its text is the starter's own, counts
// and the fleet's validated name), a line each time the counts change
// otherwise, a JSON object each with -o jsonl, and nothing but the result
// with -o json.

// countsLine says a fleet's counts in a line: "run-changes: 12 completed,
// 4 running, 184 pending".
func countsLine(p contract.FleetProgress) string {
	var parts []string
	for _, s := range contract.FleetStates {
		if n := p.Counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return p.Stage + ": " + strings.Join(parts, ", ")
}

// finished counts the changes that have ended.
func finished(p contract.FleetProgress) int {
	return p.Total - p.Counts[contract.FleetPending] - p.Counts[contract.FleetRunning]
}

// followFleet follows a fleet until it ends, then reports it.
func (a *App) followFleet(ctx context.Context, c client.Client, run client.WorkflowRun, result any, link string) error {
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, result) }()
	interval := a.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	started := time.Now()
	var bar *progressbar.ProgressBar
	var last string
	show := func() {
		if a.output == outputJSON {
			return
		}
		p, err := contract.QueryFleet(ctx, c, run.GetID(), "")
		if err != nil {
			return
		}
		line := countsLine(p)
		switch {
		case a.barTo != nil && p.Stage == contract.StageRunChanges:
			if bar == nil {
				bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(a.barTo), progressbar.OptionShowCount(),
					progressbar.OptionSetWidth(30), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
			}
			bar.Describe(line)
			_ = bar.Set(finished(p))
		case line == last:
		case a.output == outputJSONL:
			a.printJSON(map[string]any{"Elapsed": time.Since(started).Seconds(), "Stage": p.Stage, "Counts": p.Counts})
		default:
			say(a.Stdout, "[%6.1fs] %s\n", time.Since(started).Seconds(), line)
		}
		last = line
	}
	for {
		select {
		case err := <-done:
			show()
			if bar != nil {
				_ = bar.Finish()
			}
			if err != nil && !a.machine() {
				if p, qerr := contract.QueryFleet(ctx, c, run.GetID(), ""); qerr == nil {
					a.printFleet(p)
				}
			}
			return a.report(run, result, err, link)
		case <-tick.C:
			show()
		case <-ctx.Done():
			return failed("starter: stopped following; the fleet goes on: %s", link)
		}
	}
}

// printFleet lists a fleet's counts and the changes that did not complete.
func (a *App) printFleet(p contract.FleetProgress) {
	say(a.Stdout, "fleet %s (run %d): %s\n", p.Fleet, p.Runs, countsLine(p))
	if p.Stopped != "" {
		say(a.Stdout, "stopped starting: %s\n", p.Stopped)
	}
	for _, c := range p.Changes {
		if c.State == contract.FleetFailed || c.State == contract.FleetRunning || c.State == contract.FleetCancelled {
			say(a.Stdout, "  %-9s %s %s\n", c.State, c.WorkflowId, c.Error)
		}
	}
}

// terminalOf is w when it is a terminal, for the progress bar; nil when not.
func terminalOf(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// levelFilter is a slog.Handler that drops records below a (changeable)
// minimum level before they reach the wrapped handler. The server is chatty at
// info level; the dev server forwards only warnings and errors, and only
// errors while it shuts down (the server warns routinely while stopping).
type levelFilter struct {
	min  *slog.LevelVar
	next slog.Handler
}

func (h levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min.Level() && h.next.Enabled(ctx, l)
}

func (h levelFilter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.min.Level() {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h levelFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFilter{min: h.min, next: h.next.WithAttrs(attrs)}
}

func (h levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{min: h.min, next: h.next.WithGroup(name)}
}

// fatalError is the panic value serverLogger raises for Fatal/Panic while
// the server is being built and started, so Start can turn it into an error.
type fatalError struct {
	msg   string
	attrs []slog.Attr
}

func (e fatalError) Error() string {
	var b strings.Builder
	b.WriteString(e.msg)
	for i, a := range e.attrs {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", a.Key, a.Value)
	}
	if len(e.attrs) > 0 {
		b.WriteString(")")
	}
	return b.String()
}

// serverLogger adapts an *slog.Logger to the Temporal server's log.Logger.
//
// The server calls Fatal when it cannot do something essential, for example
// bind a port, and its own zap logger exits the process at that point. Here a
// Fatal (or Panic) while starting panics with a fatalError, which Start
// recovers and returns as an error; once the server runs they are logged as
// errors, as the Temporal CLI does.
type serverLogger struct {
	sl       *slog.Logger
	starting *atomic.Bool
	// booting is true until Start returns (nil: never); meanwhile the
	// transientStartupErrors are dropped.
	booting *atomic.Bool
}

// transientStartupErrors are errors the server logs while it starts and
// recovers from by itself, for example the queue readers of a history shard
// polling before the shard is acquired ("shard status unknown", with more
// than one shard). The server's own tests ignore them as "transient startup
// error" (go.temporal.io/server/temporal/server_test.go).
var transientStartupErrors = []string{
	"Queue reader unable to retrieve tasks",
	"error from matching when initializing",
	"error fetching user data from parent",
	"Failed to check Nexus endpoints ownership",
	"long poll to refresh Nexus endpoints returned error",
}

var (
	_ log.Logger      = serverLogger{}
	_ log.WithLogger  = serverLogger{}
	_ log.SLogWrapper = serverLogger{}
)

func (l serverLogger) Debug(msg string, tags ...tag.Tag) { l.log(slog.LevelDebug, msg, tags) }
func (l serverLogger) Info(msg string, tags ...tag.Tag)  { l.log(slog.LevelInfo, msg, tags) }
func (l serverLogger) Warn(msg string, tags ...tag.Tag)  { l.log(slog.LevelWarn, msg, tags) }
func (l serverLogger) Error(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }
func (l serverLogger) DPanic(msg string, tags ...tag.Tag) {
	l.log(slog.LevelError, msg, tags)
}
func (l serverLogger) Panic(msg string, tags ...tag.Tag) { l.fatal(msg, tags) }
func (l serverLogger) Fatal(msg string, tags ...tag.Tag) { l.fatal(msg, tags) }

// With returns a logger that adds tags to every record.
func (l serverLogger) With(tags ...tag.Tag) log.Logger {
	attrs := tagsToAttrs(tags)
	args := make([]any, len(attrs))
	for i, a := range attrs {
		args[i] = a
	}
	return serverLogger{sl: l.sl.With(args...), starting: l.starting, booting: l.booting}
}

// SLog lets server components that want an *slog.Logger use the filtered one.
func (l serverLogger) SLog() *slog.Logger { return l.sl }

func (l serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if level >= slog.LevelError && l.booting != nil && l.booting.Load() && slices.Contains(transientStartupErrors, msg) {
		level = slog.LevelDebug
	}
	if !l.sl.Enabled(ctx, level) {
		return
	}
	l.sl.LogAttrs(ctx, level, msg, tagsToAttrs(tags)...)
}

func (l serverLogger) fatal(msg string, tags []tag.Tag) {
	l.log(slog.LevelError, msg, tags)
	if l.starting.Load() {
		panic(fatalError{msg: msg, attrs: tagsToAttrs(tags)})
	}
}

func tagsToAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return attrs
}

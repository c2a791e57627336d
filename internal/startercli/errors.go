package startercli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vpcflow/vpcflow/contract"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1 // the workflow failed, or Temporal could not be reached
	exitBadUsage = 2 // bad flags or input: nothing was started
)

// commandError ends a command with an exit code and what to tell the user:
// Run prints the message, once, on stderr. A command that has already
// said everything (a failed workflow's report) has no message.
type commandError struct {
	code int
	msg  string
}

func (e *commandError) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.msg
}

// failed ends a command with exitFailed; the arguments are escaped as say
// escapes them.
func failed(format string, args ...any) error {
	return &commandError{code: exitFailed, msg: fmt.Sprintf(format, printable(args)...)}
}

// badUsage ends a command with exitBadUsage: nothing was started.
func badUsage(format string, args ...any) error {
	return &commandError{code: exitBadUsage, msg: fmt.Sprintf(format, printable(args)...)}
}

// exitWith ends a command with code after it has said why.
func exitWith(code int) error { return &commandError{code: code} }

// problems is the error of an input that did not validate: every problem
// on a line of its own.
func problems(command string, err error) error {
	var v *contract.ValidationError
	if !errors.As(err, &v) {
		return badUsage("starter %s: %v\nNothing was started.", command, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "starter %s: %s:", escapeControls(command, false), escapeControls(v.Headline(), false))
	for _, p := range v.Problems {
		b.WriteString("\n  - " + escapeControls(p, false))
	}
	b.WriteString("\nNothing was started.")
	return &commandError{code: exitBadUsage, msg: b.String()}
}

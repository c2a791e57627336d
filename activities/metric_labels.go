package activities

import (
	"slices"
	"strings"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/redact"
)

// A metric's label values must come from a bounded set: each distinct
// value is a time series that a Prometheus server keeps, and a cloud, or a
// proxy in front of it, can answer any code. 200 failures with distinct
// 10 KB codes once grew /metrics from 0.6 MB to 4.8 MB.

// OtherLabel is the label value of every code outside the bounded set.
const OtherLabel = "other"

// The label values of a call that succeeded, and of an error that did not
// come from a cloud call.
const (
	okLabel      = "OK"
	unknownLabel = "Unknown"
)

// MetricLabel is the value of a code or error_type label for a cloud's
// error code or an error type: the code itself when the error-code table
// has a row of it (the row's pattern, such as IncorrectStatus.*, when a
// wildcard row matched), one of vpcflow's own error types, an HTTP status
// (HTTP502), or else OtherLabel. The raw code goes, cut and redacted, to
// the span and the log line (DisplayCode).
func MetricLabel(code string) string {
	switch {
	case code == okLabel || code == unknownLabel:
		return code
	case slices.Contains(contract.ErrorTypes(), code):
		return code
	case isHTTPStatusCode(code):
		return code
	}
	if row, ok := LookupErrorCode(code); ok {
		return row.Code
	}
	return OtherLabel
}

// isHTTPStatusCode tells a code made of an HTTP status (applicationError's
// code of an answer without one): HTTP and three digits.
func isHTTPStatusCode(code string) bool {
	digits, ok := strings.CutPrefix(code, "HTTP")
	if !ok || len(digits) != 3 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// maxDisplayCode bounds a code as it is shown (a failure's type, a span
// attribute, a log line): the longest code of the documents has 56 bytes.
const maxDisplayCode = 96

// DisplayCode is a cloud's code as vpcflow shows it: redacted, its control
// characters dropped and cut to maxDisplayCode bytes, so a code of any
// size or content makes a small, printable failure type.
func DisplayCode(code string) string {
	code = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, redact.Secrets(code))
	if len(code) <= maxDisplayCode {
		return code
	}
	return strings.ToValidUTF8(code[:maxDisplayCode-3], "") + "..."
}

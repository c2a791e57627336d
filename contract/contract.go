package contract

import (
	"fmt"
	"time"
)

// TaskQueue is the task queue vpcflow's workers poll.
const TaskQueue = "vpcflow"

// ProgressQuery is the name of the query every workflow answers with its Progress.
const ProgressQuery = "progress"

// DefaultWaitTimeout bounds each wait (Active, routes, endpoints) when the
// input sets none.
const DefaultWaitTimeout = 10 * time.Minute

// MaxWaitTimeout bounds a wait's timeout: a change that has not settled in a
// day needs a person, not a longer poll.
const MaxWaitTimeout = 24 * time.Hour

// Duration is a time.Duration written as text ("10m", "90s") in JSON and YAML.
type Duration time.Duration

// MarshalText writes the duration as Go writes durations ("10m0s").
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).String()), nil
}

// UnmarshalText reads a duration such as "10m" or "1h30m".
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("not a duration (use a value such as \"10m\" or \"90s\"): %s", shown(string(text)))
	}
	*d = Duration(v)
	return nil
}

// OrDefault is the duration, or DefaultWaitTimeout when it is zero.
func (d Duration) OrDefault() time.Duration {
	if d == 0 {
		return DefaultWaitTimeout
	}
	return time.Duration(d)
}

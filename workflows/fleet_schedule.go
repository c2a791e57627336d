package workflows

import (
	"fmt"

	"github.com/vpcflow/vpcflow/contract"
)

// fleetSchedule decides which of a fleet's changes start, and when: at
// most concurrency at once; a change sharing a key (a route table, a
// router) with a running change, or with an earlier change still waiting,
// waits for it, so changes the cloud would refuse to run together run one
// after another in the order of the spec; after more than maxErrors
// failures (maxErrors -1: never) none starts. It is plain data, kept
// across continue-as-new in the changes themselves.
type fleetSchedule struct {
	changes     []contract.FleetChange
	concurrency int
	maxErrors   int
	running     int
	failures    int
	// stopped says why no change starts any more ("" while they do).
	stopped string
	// moved is set when a change ends, for the fleet's loop to wake on.
	moved bool
	// first is the index of the first change not yet finished or running,
	// so next does not walk the finished head of a long fleet each time.
	first int
}

// newFleetSchedule schedules changes as carried over (or all pending).
func newFleetSchedule(changes []contract.FleetChange, concurrency, maxErrors int) *fleetSchedule {
	s := &fleetSchedule{changes: changes, concurrency: concurrency, maxErrors: maxErrors}
	for _, c := range changes {
		if c.State == contract.FleetFailed {
			s.failures++
		}
	}
	s.checkErrors()
	return s
}

// next returns the changes to start now, in spec order, at most limit.
func (s *fleetSchedule) next(limit int) []int {
	if s.stopped != "" {
		return nil
	}
	claimed := make(map[string]bool)
	for _, c := range s.changes {
		if c.State == contract.FleetRunning {
			for _, k := range c.Keys {
				claimed[k] = true
			}
		}
	}
	for s.first < len(s.changes) && s.changes[s.first].Finished() {
		s.first++
	}
	var out []int
	for i := s.first; i < len(s.changes) && s.running+len(out) < s.concurrency && len(out) < limit; i++ {
		c := s.changes[i]
		if c.State != contract.FleetPending {
			continue
		}
		free := true
		for _, k := range c.Keys {
			free = free && !claimed[k]
			claimed[k] = true // a waiting change keeps its place for those behind it
		}
		if free {
			out = append(out, i)
		}
	}
	return out
}

// start marks change i running.
func (s *fleetSchedule) start(i int) {
	s.changes[i].State = contract.FleetRunning
	s.running++
}

// finish records how change i ended.
func (s *fleetSchedule) finish(i int, state, errorType, message, runID string) {
	c := &s.changes[i]
	c.State, c.ErrorType, c.Error = state, errorType, message
	if runID != "" {
		c.RunId = runID
	}
	s.running--
	s.moved = true
	if state == contract.FleetFailed {
		s.failures++
		s.checkErrors()
	}
}

// checkErrors stops starting once failures pass maxErrors.
func (s *fleetSchedule) checkErrors() {
	if s.stopped == "" && s.maxErrors >= 0 && s.failures > s.maxErrors {
		s.stopped = fmt.Sprintf("%s failed and MaxErrors is %d: no new change starts", plural(s.failures, "change"), s.maxErrors)
	}
}

// stop stops starting changes, saying why.
func (s *fleetSchedule) stop(why string) {
	if s.stopped == "" {
		s.stopped = why
	}
}

// pending tells whether a change is still to start.
func (s *fleetSchedule) pending() bool {
	for _, c := range s.changes[s.first:] {
		if c.State == contract.FleetPending {
			return true
		}
	}
	return false
}

// skipRest marks the changes never started as skipped.
func (s *fleetSchedule) skipRest() {
	for i := range s.changes {
		if s.changes[i].State == contract.FleetPending {
			s.changes[i].State = contract.FleetSkipped
		}
	}
}

// counts are the changes by state.
func (s *fleetSchedule) counts() map[string]int {
	counts := make(map[string]int, len(contract.FleetStates))
	for _, c := range s.changes {
		counts[c.State]++
	}
	return counts
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

package workflows

import (
	"fmt"
	"strings"

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
	// released holds, by change, the prefix of the keys a running change
	// has let go of (its connect is done). No change runs across a
	// continue-as-new, so it is not carried.
	released map[int]string
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
	for i, c := range s.changes {
		if c.State == contract.FleetRunning {
			for _, k := range c.Keys {
				if s.holds(i, k) {
					claimed[k] = true
				}
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

// release lets go of the keys starting with prefix of the running change
// whose workflow ID is id: what it holds them for is done. Its Keys stay
// as they are, for its record (a fleet's rollback is serialised on them).
func (s *fleetSchedule) release(id, prefix string) {
	for i, c := range s.changes {
		if c.WorkflowId != id || c.State != contract.FleetRunning {
			continue
		}
		if s.released == nil {
			s.released = map[int]string{}
		}
		s.released[i] = prefix
		s.moved = true
		return
	}
}

// holds tells whether change i holds key k.
func (s *fleetSchedule) holds(i int, k string) bool {
	prefix, ok := s.released[i]
	return !ok || !strings.HasPrefix(k, prefix)
}

// start marks change i running.
func (s *fleetSchedule) start(i int) {
	s.changes[i].State = contract.FleetRunning
	s.running++
}

// finish records how change i ended (its RunId is set as it runs).
func (s *fleetSchedule) finish(i int, state, errorType, message string) {
	c := &s.changes[i]
	c.State, c.ErrorType, c.Error = state, errorType, message
	delete(s.released, i)
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

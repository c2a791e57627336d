package cloudsim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Faults are injected failures. Random decisions come from the server's
// seeded source, so a run with the same Seed and the same request order
// sees the same faults.
//
// JSON (admin API PUT/POST /_cloudsim/faults) uses the same field names:
//
//	{
//	  "actions": {
//	    "ConnectRouterInterface": {"throttleRate": 0.2, "unavailableRate": 0.05,
//	                               "latencyMin": "20ms", "latencyMax": "200ms"},
//	    "*": {"latencyMin": "5ms", "latencyMax": "10ms"}
//	  },
//	  "scripted": [{"action": "PublishVpcRouteEntries", "count": 2,
//	                "code": "OperationConflict", "status": 409, "message": "..."}],
//	  "stuck": ["ri-bp1cloudsiminit01"],
//	  "fallInactive": [{"routerInterfaceId": "ri-bp1cloudsiminit01", "after": "30s"}]
//	}
type Faults struct {
	// Actions maps an action name (Alibaba Action, or
	// "ListEndpointConnections" for APIG) to random faults; the key "*"
	// applies to actions without their own entry.
	Actions map[string]ActionFaults `json:"actions,omitempty" yaml:"actions,omitempty"`
	// Scripted faults answer the next Count calls of Action with Code and
	// Status, before any random fault is considered. Action "*" matches
	// every action. Entries are consumed in order.
	Scripted []ScriptedFault `json:"scripted,omitempty" yaml:"scripted,omitempty"`
	// Stuck lists resource IDs whose transitions do not complete while
	// listed: a router interface (and its peer) stays Connecting /
	// Activating / Deactivating, a route entry (rte-...) stays Publishing /
	// Withdrawing, an APIG endpoint connection keeps its status. Removing
	// the ID lets an overdue transition complete on the next request.
	Stuck []string `json:"stuck,omitempty" yaml:"stuck,omitempty"`
	// FallInactive makes an Active router interface drop to Inactive After
	// it became Active (or after the fault was set, if later). One-shot.
	FallInactive []FallInactiveFault `json:"fallInactive,omitempty" yaml:"fallInactive,omitempty"`
}

// ActionFaults are the random faults of one action.
type ActionFaults struct {
	// ThrottleRate is the probability of Throttling.User (HTTP 400) on
	// Alibaba, APIGW.0308 (HTTP 429) on APIG.
	ThrottleRate float64 `json:"throttleRate,omitempty" yaml:"throttleRate,omitempty"`
	// UnavailableRate is the probability of ServiceUnavailable (HTTP 503)
	// on Alibaba, APIG.9999 (HTTP 503) on APIG.
	UnavailableRate float64 `json:"unavailableRate,omitempty" yaml:"unavailableRate,omitempty"`
	// LatencyMin..LatencyMax is added (uniformly at random) before the
	// answer, in wall time, whatever the simulated clock.
	LatencyMin Duration `json:"latencyMin,omitempty" yaml:"latencyMin,omitempty"`
	LatencyMax Duration `json:"latencyMax,omitempty" yaml:"latencyMax,omitempty"`
}

// ScriptedFault answers the next Count calls of Action with an error.
type ScriptedFault struct {
	Action  string `json:"action" yaml:"action"`
	Count   int    `json:"count" yaml:"count"`
	Code    string `json:"code" yaml:"code"`
	Status  int    `json:"status" yaml:"status"`
	Message string `json:"message,omitempty" yaml:"message,omitempty"`
}

// FallInactiveFault drops an Active router interface to Inactive.
type FallInactiveFault struct {
	RouterInterfaceID string   `json:"routerInterfaceId" yaml:"routerInterfaceId"`
	After             Duration `json:"after" yaml:"after"`
}

// maxInjectedLatency keeps a mistyped fault from parking handlers for
// hours; five minutes is beyond every SDK timeout.
const maxInjectedLatency = 5 * time.Minute

// Validate rejects values that cannot mean anything.
func (f Faults) Validate() error {
	var errs []error
	for name, a := range f.Actions {
		if a.ThrottleRate < 0 || a.ThrottleRate > 1 || a.UnavailableRate < 0 || a.UnavailableRate > 1 {
			errs = append(errs, fmt.Errorf("actions[%s]: rates must be within 0..1", name))
		}
		if a.LatencyMax != 0 && a.LatencyMax < a.LatencyMin {
			errs = append(errs, fmt.Errorf("actions[%s]: latencyMax below latencyMin", name))
		}
		if a.LatencyMin.Std() > maxInjectedLatency || a.LatencyMax.Std() > maxInjectedLatency {
			errs = append(errs, fmt.Errorf("actions[%s]: latency above %s", name, maxInjectedLatency))
		}
	}
	for i, s := range f.Scripted {
		if s.Action == "" || s.Code == "" {
			errs = append(errs, fmt.Errorf("scripted[%d]: action and code are required", i))
		}
		if s.Count < 1 {
			errs = append(errs, fmt.Errorf("scripted[%d]: count must be at least 1", i))
		}
		if s.Status < 400 || s.Status > 599 {
			errs = append(errs, fmt.Errorf("scripted[%d]: status must be an HTTP error status (400..599)", i))
		}
	}
	for i, fi := range f.FallInactive {
		if fi.RouterInterfaceID == "" {
			errs = append(errs, fmt.Errorf("fallInactive[%d]: routerInterfaceId is required", i))
		}
	}
	return errors.Join(errs...)
}

// faultKind is what the injector decided for one call.
type faultKind int

const (
	noFault faultKind = iota
	faultThrottle
	faultUnavailable
	faultScripted
)

// faultDecision is the outcome for one call: an optional error and a
// latency to add.
type faultDecision struct {
	kind     faultKind
	scripted ScriptedFault
	latency  time.Duration
}

// faultInjector holds the random part of the faults. Guarded by Server.mu.
type faultInjector struct {
	rng      *rand.Rand
	actions  map[string]ActionFaults
	scripted []ScriptedFault
}

func newFaultInjector(seed int64) *faultInjector {
	return &faultInjector{rng: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

func (fi *faultInjector) decide(action string) faultDecision {
	var d faultDecision
	cfg, ok := fi.actions[action]
	if !ok {
		cfg = fi.actions["*"]
	}
	if cfg.LatencyMin > 0 || cfg.LatencyMax > 0 {
		lo, hi := cfg.LatencyMin.Std(), cfg.LatencyMax.Std()
		if hi < lo {
			hi = lo
		}
		d.latency = lo
		if hi > lo {
			d.latency += time.Duration(fi.rng.Int64N(int64(hi - lo + 1)))
		}
	}
	for i := range fi.scripted {
		s := &fi.scripted[i]
		if s.Count > 0 && (s.Action == action || s.Action == "*") {
			s.Count--
			d.kind, d.scripted = faultScripted, *s
			if s.Count == 0 {
				fi.scripted = append(fi.scripted[:i], fi.scripted[i+1:]...)
			}
			return d
		}
	}
	// Always draw both numbers so that changing one rate does not shift
	// the random sequence of the other.
	throttle, unavailable := fi.rng.Float64(), fi.rng.Float64()
	switch {
	case throttle < cfg.ThrottleRate:
		d.kind = faultThrottle
	case unavailable < cfg.UnavailableRate:
		d.kind = faultUnavailable
	}
	return d
}

// sleepLatency waits d of wall time, or less if the client went away.
func sleepLatency(done <-chan struct{}, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}

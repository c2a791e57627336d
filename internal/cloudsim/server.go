package cloudsim

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. Every field is optional.
type Options struct {
	// Fixture is the seed state; nil means DefaultFixture(). The server
	// keeps its own deep copy, so the caller may reuse or change it.
	Fixture *Fixture
	// Clock drives simulated time; nil means RealClock{}.
	Clock Clock
	// Seed seeds the random faults (throttling, unavailability, latency).
	Seed int64
	// Logger receives one debug line per call; nil discards.
	Logger *slog.Logger
	// AdminToken, if not empty, must come with every admin API request
	// as "Authorization: Bearer <AdminToken>", whatever its Host. If
	// empty, the admin API answers only requests addressed to a loopback
	// Host (see admin.go): set it when the server is reachable from the
	// network, where clients address it by other names.
	AdminToken string
}

// Server emulates the Alibaba Cloud VPC RPC API (POST /?Action=...), the
// Huawei Cloud APIG VPC endpoint connection API (GET /v2/...) and the
// cloudsim admin API (/_cloudsim/...) on one http.Handler.
type Server struct {
	fixture    *Fixture
	clock      Clock
	seed       int64
	logger     *slog.Logger
	adminToken string
	nonces     *signatureNonces

	mu           sync.Mutex // guards everything below
	world        *world
	faults       *faultInjector
	quirks       *quirkState
	quotas       *quotaState
	clientTokens *clientTokenCache
	calls        *callLog
}

// New builds a Server from opts. It fails only if the fixture is invalid.
func New(opts Options) (*Server, error) {
	f := opts.Fixture
	if f == nil {
		f = DefaultFixture()
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	own, err := f.clone()
	if err != nil {
		return nil, fmt.Errorf("copy fixture: %w", err)
	}
	s := &Server{
		fixture:    own,
		clock:      opts.Clock,
		seed:       opts.Seed,
		logger:     opts.Logger,
		adminToken: opts.AdminToken,
		nonces:     newSignatureNonces(defaultNonceCapacity),
	}
	if s.clock == nil {
		s.clock = RealClock{}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.resetLocked()
	return s, nil
}

// adminPrefix is the path of the admin API; no SDK path starts with it.
const adminPrefix = "/_cloudsim/"

// ServeHTTP routes a request to the admin API, the APIG API or the
// Alibaba RPC API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, adminPrefix):
		s.serveAdmin(w, r)
	case strings.HasPrefix(r.URL.Path, "/v2/") || strings.HasPrefix(r.URL.Path, "/v3/") || strings.HasPrefix(r.URL.Path, "/v1/"):
		s.serveHuawei(w, r)
	case r.URL.Path == "/" || r.URL.Path == "":
		s.serveAlibaba(w, r)
	default:
		// Neither SDK sends other paths; answer like the RPC gateway does
		// for an API it does not know, in a body the Alibaba SDK parses.
		s.serveAlibabaUnknownPath(w, r)
	}
}

func (s *Server) serveAlibabaUnknownPath(w http.ResponseWriter, r *http.Request) {
	requestID := newAlibabaRequestID()
	s.record(Call{Time: time.Now(), Cloud: "alibaba", Action: "", Params: map[string]string{"path": r.URL.Path},
		Code: "InvalidAction.NotFound", Status: http.StatusNotFound, RequestID: requestID})
	writeJSON(w, http.StatusNotFound, alibabaErrorBody{
		RequestId: requestID, HostId: alibabaHostID, Code: "InvalidAction.NotFound",
		Message: "Specified api is not found, please check your url and method.",
	}, map[string]string{"x-acs-request-id": requestID})
}

// Reset returns the simulated cloud to the fixture, as of the clock's
// current time (authorizations added at runtime are gone), and clears
// faults, quirks, quotas, remembered ClientTokens and the call log. Remembered
// signature nonces are kept: a replayed request is still a replay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Server) resetLocked() {
	s.world = newWorld(s.fixture, s.clock.Now())
	s.faults = newFaultInjector(s.seed)
	s.quirks = newQuirkState(Quirks{})
	s.quotas = newQuotaState(Quotas{})
	s.clientTokens = newClientTokenCache()
	s.calls = newCallLog(maxRecordedCalls, maxRecordedCallBytes)
}

// Now returns the simulated time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Clock returns the server's clock.
func (s *Server) Clock() Clock { return s.clock }

// AdvanceClock steps a ManualClock (or any clock with Advance). It fails
// for clocks that follow wall time.
func (s *Server) AdvanceClock(d time.Duration) error {
	adv, ok := s.clock.(clockAdvancer)
	if !ok {
		return fmt.Errorf("clock %T cannot be advanced; start the server with a ManualClock", s.clock)
	}
	adv.Advance(d)
	return nil
}

// SetFaults replaces all faults. Scripted counts start afresh; the random
// source keeps its position.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Settled under the faults being replaced: an ID stuck before and after
	// stays held (its overdue transition completes only once it is left
	// out), and a transition already due is not held by a fault set now.
	s.world.settle(s.clock.Now())
	s.faults.actions = map[string]ActionFaults{}
	s.faults.scripted = nil
	clear(s.world.stuck)
	s.world.releaseHeld()
	clear(s.world.fallInactive)
	s.addFaultsLocked(f)
	return nil
}

// AddFaults merges f into the current faults: action entries replace
// those of the same name, scripted faults are appended, stuck IDs and
// fall-inactive rules are added.
func (s *Server) AddFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Settle first so that a transition already due is not held back by a
	// stuck fault set afterwards.
	s.world.settle(s.clock.Now())
	s.addFaultsLocked(f)
	return nil
}

func (s *Server) addFaultsLocked(f Faults) {
	now := s.clock.Now()
	if s.faults.actions == nil {
		s.faults.actions = map[string]ActionFaults{}
	}
	for k, v := range f.Actions {
		s.faults.actions[k] = v
	}
	s.faults.scripted = append(s.faults.scripted, f.Scripted...)
	for _, id := range f.Stuck {
		s.world.stuck[id] = true
	}
	for _, fi := range f.FallInactive {
		s.world.fallInactive[fi.RouterInterfaceID] = fallInactiveRule{after: fi.After.Std(), setAt: now}
	}
}

// Faults returns the faults in force, with scripted counts as remaining.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := Faults{Actions: map[string]ActionFaults{}}
	for k, v := range s.faults.actions {
		f.Actions[k] = v
	}
	f.Scripted = append([]ScriptedFault{}, s.faults.scripted...)
	for id := range s.world.stuck {
		f.Stuck = append(f.Stuck, id)
	}
	for id, rule := range s.world.fallInactive {
		f.FallInactive = append(f.FallInactive, FallInactiveFault{RouterInterfaceID: id, After: Duration(rule.after)})
	}
	return f
}

// Calls returns the recorded calls of action, or of every action if
// action is empty, oldest first. The log keeps the most recent 20000
// calls, fewer once they add up to 32 MiB (estimated: the size of their
// JSON), dropping the oldest first; CallCount still counts dropped calls.
func (s *Server) Calls(action string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls.list(action)
}

// CallCount returns how many calls of action arrived since start or the
// last Reset (all calls if action is empty), whatever their outcome.
func (s *Server) CallCount(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls.count(action)
}

// CodeCount returns how many answers since start or the last Reset had the
// error code code, dropped calls included (codes past the 256th distinct
// one are counted together under "(other)").
func (s *Server) CodeCount(code string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls.codeCount(code)
}

func (s *Server) record(c Call) {
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls.add(c)
}

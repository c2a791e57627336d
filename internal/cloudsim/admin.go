package cloudsim

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// Admin API under /_cloudsim/ (no SDK uses this path). Bodies are JSON;
// errors are {"error": "..."}. Every request is first checked (see
// admin_access.go for why):
//
//   - without Options.AdminToken, its Host must be loopback (127.0.0.1 or
//     another 127.x address, ::1 or localhost, any port), else 403; with
//     one, it must carry "Authorization: Bearer <token>", else 401, and
//     its Host does not matter;
//   - every method but GET and HEAD needs Content-Type application/json
//     (an empty body is fine where none is read), else 415.
//
// Then: 400 for a bad body, 404 for an unknown path, 405 for a method the
// path does not take, 409 for advancing a clock that cannot be advanced.
//
//	GET    /_cloudsim/state          State snapshot
//	GET    /_cloudsim/faults         faults in force
//	PUT    /_cloudsim/faults         replace faults (Faults JSON)
//	POST   /_cloudsim/faults         merge faults (Faults JSON), see AddFaults
//	DELETE /_cloudsim/faults         clear faults
//	GET    /_cloudsim/quirks         quirks in force, with remaining counts
//	PUT    /_cloudsim/quirks         replace quirks (Quirks JSON); counts start afresh
//	DELETE /_cloudsim/quirks         clear quirks
//	GET    /_cloudsim/quotas         quotas in force
//	PUT    /_cloudsim/quotas         replace quotas (Quotas JSON); buckets start full
//	DELETE /_cloudsim/quotas         clear quotas
//	POST   /_cloudsim/reset          back to the fixture; clears faults, quirks, quotas, ClientTokens and calls
//	GET    /_cloudsim/calls          {"counts": {action: n}, "calls": [Call...]}; ?action=X filters
//	GET    /_cloudsim/clock          {"now": time}
//	POST   /_cloudsim/clock/advance  {"by": "30s"} (ManualClock only, else 409)

type adminError struct {
	Error string `json:"error"`
}

type callsAnswer struct {
	Counts map[string]int `json:"counts"`
	Calls  []Call         `json:"calls"`
}

type clockAnswer struct {
	Now time.Time `json:"now"`
}

type advanceRequest struct {
	By Duration `json:"by"`
}

// maxAdminBody bounds admin request bodies.
const maxAdminBody = 1 << 20

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path[len(adminPrefix):]
	fail := func(status int, msg string) { writeJSON(w, status, adminError{Error: msg}, nil) }
	if refusal := s.checkAdminAccess(r); refusal != nil {
		if refusal.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cloudsim admin"`)
		}
		fail(refusal.status, refusal.reason)
		return
	}
	methodNotAllowed := func() { fail(http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path) }

	switch path {
	case "state":
		if r.Method != http.MethodGet {
			methodNotAllowed()
			return
		}
		writeJSON(w, http.StatusOK, s.State(), nil)
	case "faults":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Faults(), nil)
		case http.MethodPut, http.MethodPost:
			var f Faults
			if err := decodeAdminJSON(r, &f); err != nil {
				fail(http.StatusBadRequest, "faults: "+err.Error())
				return
			}
			apply := s.SetFaults
			if r.Method == http.MethodPost {
				apply = s.AddFaults
			}
			if err := apply(f); err != nil {
				fail(http.StatusBadRequest, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, s.Faults(), nil)
		case http.MethodDelete:
			_ = s.SetFaults(Faults{})
			writeJSON(w, http.StatusOK, s.Faults(), nil)
		default:
			methodNotAllowed()
		}
	case "quirks":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Quirks(), nil)
		case http.MethodPut:
			var q Quirks
			if err := decodeAdminJSON(r, &q); err != nil {
				fail(http.StatusBadRequest, "quirks: "+err.Error())
				return
			}
			if err := s.SetQuirks(q); err != nil {
				fail(http.StatusBadRequest, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, s.Quirks(), nil)
		case http.MethodDelete:
			_ = s.SetQuirks(Quirks{})
			writeJSON(w, http.StatusOK, s.Quirks(), nil)
		default:
			methodNotAllowed()
		}
	case "quotas":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Quotas(), nil)
		case http.MethodPut:
			var q Quotas
			if err := decodeAdminJSON(r, &q); err != nil {
				fail(http.StatusBadRequest, "quotas: "+err.Error())
				return
			}
			if err := s.SetQuotas(q); err != nil {
				fail(http.StatusBadRequest, err.Error())
				return
			}
			writeJSON(w, http.StatusOK, s.Quotas(), nil)
		case http.MethodDelete:
			_ = s.SetQuotas(Quotas{})
			writeJSON(w, http.StatusOK, s.Quotas(), nil)
		default:
			methodNotAllowed()
		}
	case "reset":
		if r.Method != http.MethodPost {
			methodNotAllowed()
			return
		}
		s.Reset()
		writeJSON(w, http.StatusOK, s.State(), nil)
	case "calls":
		if r.Method != http.MethodGet {
			methodNotAllowed()
			return
		}
		action := r.URL.Query().Get("action")
		s.mu.Lock()
		ans := callsAnswer{Counts: map[string]int{}, Calls: s.calls.list(action)}
		for k, v := range s.calls.counts {
			if action == "" || k == action {
				ans.Counts[k] = v
			}
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, ans, nil)
	case "clock":
		if r.Method != http.MethodGet {
			methodNotAllowed()
			return
		}
		writeJSON(w, http.StatusOK, clockAnswer{Now: s.Now()}, nil)
	case "clock/advance":
		if r.Method != http.MethodPost {
			methodNotAllowed()
			return
		}
		var req advanceRequest
		if err := decodeAdminJSON(r, &req); err != nil {
			fail(http.StatusBadRequest, "advance: "+err.Error())
			return
		}
		if err := s.AdvanceClock(req.By.Std()); err != nil {
			fail(http.StatusConflict, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, clockAnswer{Now: s.Now()}, nil)
	default:
		fail(http.StatusNotFound, "no admin endpoint "+r.URL.Path)
	}
}

// decodeAdminJSON reads one JSON value, rejecting unknown fields so a typo
// in a fault does not silently do nothing.
func decodeAdminJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

package cloudsim

import (
	"fmt"
	"strconv"
	"time"
)

// crossAccountAuthorization lets a VPN connection be bound to another
// account's CEN (DescribeVpnCrossAccountAuthorizations lists them).
type crossAccountAuthorization struct {
	bindUID      int64
	bindProduct  string
	bindInstance string
	created      time.Time
}

// maxCrossAccountAuthorizations bounds what AddCrossAccountAuthorization
// may add to one connection.
const maxCrossAccountAuthorizations = 1000

// newCrossAccountAuthorization converts a seed whose BindUID is known to
// be numeric.
func newCrossAccountAuthorization(a CrossAccountAuthorizationSeed, created time.Time) crossAccountAuthorization {
	bind, _ := strconv.ParseInt(a.BindUID, 10, 64)
	return crossAccountAuthorization{
		bindUID: bind, bindProduct: defaultString(a.BindProduct, "CEN"), bindInstance: a.BindInstance, created: created,
	}
}

// AddCrossAccountAuthorization authorizes, at runtime, the VPN connection
// to be bound to another account's CEN, as its owner would in the console.
// The authorization is listed after the existing ones with CreationTime
// the simulated now (a.CreatedBefore is not used). BindUID must be
// numeric and BindInstance set; BindProduct defaults to CEN. Reset removes
// what was added.
func (s *Server) AddCrossAccountAuthorization(vpnConnectionID string, a CrossAccountAuthorizationSeed) error {
	if _, err := strconv.ParseInt(a.BindUID, 10, 64); err != nil {
		return fmt.Errorf("bindUid %q must be numeric", a.BindUID)
	}
	if a.BindInstance == "" {
		return fmt.Errorf("bindInstance is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.world.vcos[vpnConnectionID]
	if c == nil {
		return fmt.Errorf("no vpn connection %q", vpnConnectionID)
	}
	if len(c.authorizations) >= maxCrossAccountAuthorizations {
		return fmt.Errorf("vpn connection %q already has %d authorizations", vpnConnectionID, maxCrossAccountAuthorizations)
	}
	c.authorizations = append(c.authorizations, newCrossAccountAuthorization(a, s.clock.Now()))
	return nil
}

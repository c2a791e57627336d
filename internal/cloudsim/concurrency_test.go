package cloudsim

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParallelConnects is the shape of a load test: many workflows each
// connect their own generated pair at once, each twice (a retry), and
// exactly one connect per pair takes effect.
func TestParallelConnects(t *testing.T) {
	const pairs = 50
	e := newTestEnv(t, GenerateFixture(pairs))
	var wg sync.WaitGroup
	errs := make([][2]error, pairs)
	for i := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := e.defaultVPC()
			ini, _ := LoadRouterInterfaceIDs(i)
			errs[i][0] = connectRI(c, ini)
			errs[i][1] = connectRI(c, ini)
		}()
	}
	wg.Wait()
	for i := range pairs {
		require.NoError(t, errs[i][0], "pair %d", i)
		requireAliError(t, errs[i][1], "IncorrectRIStatus", 400)
	}
	assert.Equal(t, 2*pairs, e.srv.CallCount("ConnectRouterInterface"))
	perInterface := map[string]int{}
	for _, c := range e.srv.Calls("ConnectRouterInterface") {
		if c.OK() {
			perInterface[c.Params["RouterInterfaceId"]]++
		}
	}
	assert.Len(t, perInterface, pairs)
	for id, n := range perInterface {
		assert.Equal(t, 1, n, id)
	}
	e.clock.Advance(DefaultDelays.RouterInterfaceConnect.Std())
	active := 0
	for _, ri := range e.srv.State().RouterInterfaces {
		if ri.Status == RouterInterfaceActive {
			active++
		}
	}
	assert.Equal(t, 2*pairs, active)
}

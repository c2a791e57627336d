package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/contract"
)

func pendingChanges(keys ...[]string) []contract.FleetChange {
	out := make([]contract.FleetChange, len(keys))
	for i, k := range keys {
		out[i] = contract.FleetChange{Index: i, State: contract.FleetPending, Keys: k}
	}
	return out
}

// Changes sharing a key wait for each other in spec order; the others go
// ahead up to the cap.
func TestTheScheduleSerialisesSharedKeysInSpecOrder(t *testing.T) {
	s := newFleetSchedule(pendingChanges([]string{"t1"}, []string{"t1"}, []string{"t2"}, []string{"t1", "t3"}, []string{"t3"}, nil), 3, -1)
	next := s.next(100)
	require.Equal(t, []int{0, 2, 5}, next, "1 shares t1 with 0; 3 waits behind 1, and 4 (t3) behind 3")
	for _, i := range next {
		s.start(i)
	}
	require.Empty(t, s.next(100), "the cap of 3 is reached")
	s.finish(2, contract.FleetCompleted, "", "")
	require.Empty(t, s.next(100), "1 still waits for 0, 3 behind 1, 4 behind 3")
	s.finish(0, contract.FleetCompleted, "", "")
	require.Equal(t, []int{1}, s.next(100), "1 goes before 3, which shares t1 with it")
	s.start(1)
	s.finish(1, contract.FleetCompleted, "", "")
	require.Equal(t, []int{3}, s.next(100))
	s.start(3)
	require.Empty(t, s.next(100), "4 waits for 3 (t3)")
	s.finish(3, contract.FleetCompleted, "", "")
	require.Equal(t, []int{4}, s.next(100))
}

func TestTheScheduleStopsAfterMaxErrors(t *testing.T) {
	s := newFleetSchedule(pendingChanges(nil, nil, nil, nil), 1, 1)
	s.start(s.next(1)[0])
	s.finish(0, contract.FleetFailed, "X", "boom")
	require.Equal(t, []int{1}, s.next(10), "one failure is within MaxErrors 1")
	s.start(1)
	s.finish(1, contract.FleetFailed, "X", "boom")
	require.Empty(t, s.next(10))
	require.Contains(t, s.stopped, "2 changes failed and MaxErrors is 1")
	s.skipRest()
	require.Equal(t, 2, s.counts()[contract.FleetSkipped])

	s = newFleetSchedule(pendingChanges(nil, nil), 5, 0)
	require.Len(t, s.next(1), 1, "the budget bounds the starts")
}

// A running change that lets go of its router lets the next change on that
// router start; its route table it keeps until it ends.
func TestTheScheduleLetsARouterGoOnceConnected(t *testing.T) {
	changes := pendingChanges([]string{"route-table/a", "router/r"}, []string{"route-table/b", "router/r"}, []string{"route-table/a"})
	for i := range changes {
		changes[i].WorkflowId = []string{"c0", "c1", "c2"}[i]
	}
	s := newFleetSchedule(changes, 10, -1)
	next := s.next(10)
	require.Equal(t, []int{0}, next, "1 waits for the router, 2 for the table")
	s.start(0)
	s.release("c0", "router/")
	require.Equal(t, []int{1}, s.next(10), "the router is free; the table is not")
	require.Equal(t, []string{"route-table/a", "router/r"}, s.changes[0].Keys, "its record keeps its keys")
	s.release("nobody", "router/")
	s.start(1)
	s.finish(0, contract.FleetCompleted, "", "")
	require.Equal(t, []int{2}, s.next(10))
}

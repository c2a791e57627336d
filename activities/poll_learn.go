package activities

import (
	"sync"
	"time"
)

// A wait that polls at a fixed pace must choose between lag and calls: a
// poll every second sees a 30 s transition within a second but spends 30
// reads on it, a poll every 10 s spends 3 and sees it up to 10 s late. But
// the transitions vpcflow waits for take about as long every time (a router
// interface Connecting -> Active, routes reaching a VPN connection, an
// endpoint accepted). So the worker remembers, per kind of wait, when recent
// waits saw their target, and the next wait of that kind polls sparsely
// before that window, every PollSchedule.First inside it, and falls back to
// the backoff schedule after it (a late flip) or when it knows nothing yet.
// See PollSchedule.pauseAfterMiss.

// rememberedWaits is how many recent waits of a kind the window is drawn
// from: enough that one odd wait does not decide it, few enough that a
// cloud that got slower or faster is followed within minutes.
const rememberedWaits = 16

// maxDenseReads bounds the reads inside a wide window: when recent waits
// spread over more than maxDenseReads*First, the window is polled at
// width/maxDenseReads instead of First.
const maxDenseReads = 8

// flip is when one wait saw its target, measured from the moment the
// workflow scheduled the wait: the target came after the read at missed
// (the last that did not see it) and by the read at seen. A cold flip was
// seen by a wait that had no window to go by, only the backoff, whose reads
// are up to Max apart: it starts the memory of a kind, and is set aside as
// soon as a flip seen with a window is remembered.
type flip struct {
	missed, seen time.Duration
	cold         bool
}

// flipWindow is where recent waits of a kind saw their target: after from
// (the earliest read that missed) and by to (the latest read that saw).
type flipWindow struct {
	from, to time.Duration
}

// waitMemory remembers the last rememberedWaits flips of each kind of wait.
// CloudActivities keeps one for the worker's life; it is safe for
// concurrent use and its zero value is ready. It lives in the activities,
// not in workflow state, so it has no effect on workflow determinism: it
// only paces reads.
type waitMemory struct {
	mu    sync.Mutex
	kinds map[string]*flipRing
}

// flipRing holds a kind's recent flips, the oldest overwritten first.
type flipRing struct {
	flips [rememberedWaits]flip
	n     int // valid entries
	next  int // where the next flip goes
}

// record remembers that a wait of kind saw its target.
func (m *waitMemory) record(kind string, f flip) {
	if f.seen <= 0 || f.missed < 0 || f.missed > f.seen {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.kinds == nil {
		m.kinds = make(map[string]*flipRing)
	}
	r := m.kinds[kind]
	if r == nil {
		r = &flipRing{}
		m.kinds[kind] = r
	}
	r.flips[r.next] = f
	r.next = (r.next + 1) % rememberedWaits
	r.n = min(r.n+1, rememberedWaits)
}

// window is where the remembered waits of kind saw their target (leaving
// cold flips out once there is another); false when none is remembered.
func (m *waitMemory) window(kind string) (flipWindow, bool) {
	if m == nil {
		return flipWindow{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.kinds[kind]
	if r == nil || r.n == 0 {
		return flipWindow{}, false
	}
	warm := false
	for _, f := range r.flips[:r.n] {
		warm = warm || !f.cold
	}
	var w flipWindow
	first := true
	for _, f := range r.flips[:r.n] {
		if warm && f.cold {
			continue
		}
		if first {
			w, first = flipWindow{from: f.missed, to: f.seen}, false
			continue
		}
		w.from = min(w.from, f.missed)
		w.to = max(w.to, f.seen)
	}
	return w, true
}

// LearnedWindow is where the waits of kind (an activity type, such as
// WaitRouterInterfaceActive) the worker remembers saw their target,
// measured from when each was scheduled; ok is false when it remembers
// none. (A function: every exported method of CloudActivities is an
// activity.)
func LearnedWindow(a *CloudActivities, kind string) (from, to time.Duration, ok bool) {
	w, ok := a.waits.window(kind)
	return w.from, w.to, ok
}

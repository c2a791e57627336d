package cloudsim

import (
	"sync"
	"time"
)

// Clock is the source of simulated time. Every time-based transition
// (Connecting -> Active, Publishing -> Published, pendingAcceptance ->
// accepted, ...) is evaluated lazily against it when a request or an
// inspection arrives, so cloudsim runs no background goroutines and a test
// can move time forward deterministically.
type Clock interface {
	Now() time.Time
}

// RealClock is wall-clock time.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// ManualClock only moves when told to. Tests use it to step through
// transitions without sleeping.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock that reads start until advanced.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's current reading.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d. A negative d is ignored: simulated
// time never runs backwards, because transitions already applied could not
// be undone.
func (c *ManualClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// ScaledClock runs Speed times faster than wall time from the moment it was
// created, so a demo can watch a 60 s transition finish in 6 s at speed 10
// while signatures are still checked against real time.
type ScaledClock struct {
	origin time.Time
	speed  float64
	wall   func() time.Time
}

// NewScaledClock returns a clock that starts at the current wall time and
// advances speed seconds per wall second. A speed <= 0 is treated as 1.
func NewScaledClock(speed float64) *ScaledClock {
	if speed <= 0 {
		speed = 1
	}
	return &ScaledClock{origin: time.Now(), speed: speed, wall: time.Now}
}

// Now returns origin + speed * (wall time elapsed since origin).
func (c *ScaledClock) Now() time.Time {
	elapsed := c.wall().Sub(c.origin)
	return c.origin.Add(time.Duration(float64(elapsed) * c.speed))
}

// Speed reports the clock's speed factor.
func (c *ScaledClock) Speed() float64 { return c.speed }

// clockAdvancer is implemented by clocks that can be stepped from the admin
// API (ManualClock).
type clockAdvancer interface {
	Advance(time.Duration)
}

package cloudsim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultFixtureIsValidAndFresh(t *testing.T) {
	f := DefaultFixture()
	require.NoError(t, f.Validate())
	f.Alibaba.RouterInterfaces[0].Status = RouterInterfaceActive
	assert.Equal(t, "", DefaultFixture().Alibaba.RouterInterfaces[0].Status, "each call returns a fresh copy")
}

func TestFixtureYAMLRoundTrip(t *testing.T) {
	f := GenerateFixture(3)
	data, err := f.YAML()
	require.NoError(t, err)
	assert.Contains(t, string(data), "routerInterfaceConnect: 5s")
	back, err := ParseFixture(data)
	require.NoError(t, err)
	assert.Equal(t, f, back)
}

func TestFixtureJSONFile(t *testing.T) {
	f := DefaultFixture()
	data, err := json.Marshal(f)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "fixture.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	back, err := LoadFixture(path)
	require.NoError(t, err)
	assert.Equal(t, f, back)
	assert.Equal(t, D(5*time.Second), back.Delays.RoutePublish)
}

func TestFixtureRejectsMistakes(t *testing.T) {
	_, err := ParseFixture([]byte("alibaba:\n  regionz: [cn-hangzhou]\n"))
	assert.ErrorContains(t, err, "regionz", "unknown keys are rejected")
	_, err = ParseFixture([]byte("delays:\n  routePublish: soon\n"))
	assert.ErrorContains(t, err, "invalid duration")

	for name, mutate := range map[string]func(f *Fixture){
		"unknown router":      func(f *Fixture) { f.Alibaba.RouterInterfaces[0].RouterID = "vrt-x" },
		"bad role":            func(f *Fixture) { f.Alibaba.RouterInterfaces[0].Role = "Both" },
		"bad status":          func(f *Fixture) { f.Alibaba.RouterInterfaces[0].Status = "Sleeping" },
		"duplicate id":        func(f *Fixture) { f.Alibaba.RouterInterfaces[1].ID = f.Alibaba.RouterInterfaces[0].ID },
		"non-numeric uid":     func(f *Fixture) { f.Alibaba.Accounts[0].UID = "abc" },
		"unknown region":      func(f *Fixture) { f.Alibaba.VPCs[0].RegionID = "mars-1" },
		"bad table type":      func(f *Fixture) { f.Alibaba.VPCs[0].RouteTables[0].Type = "Gateway" },
		"unknown ecr vpc":     func(f *Fixture) { f.Alibaba.ECRs[0].AssociatedVPCs = []string{"vpc-x"} },
		"duplicate dest":      func(f *Fixture) { f.Alibaba.VPCs[0].RouteTables[0].Entries[1].Destination = DefaultRouteCIDR1 },
		"published to ghost":  func(f *Fixture) { f.Alibaba.VPCs[0].RouteTables[0].Entries[0].PublishedTo = []string{"ecr-x"} },
		"key without account": func(f *Fixture) { f.Alibaba.AccessKeys[0].AccountUID = "1" },
		"apig status":         func(f *Fixture) { f.Huawei.Gateways[0].Connections[0].Status = "Accepted" },
		"huawei credential":   func(f *Fixture) { f.Huawei.Credentials[0].ProjectID = "" },
		"empty extra project": func(f *Fixture) { f.Huawei.Credentials[0].Projects = []string{""} },
		"project twice": func(f *Fixture) {
			f.Huawei.Credentials[0].Projects = []string{DefaultHuaweiSecondProjectID, DefaultHuaweiSecondProjectID}
		},
		"main project again": func(f *Fixture) { f.Huawei.Credentials[0].Projects = []string{DefaultHuaweiProjectID} },
	} {
		f := DefaultFixture()
		mutate(f)
		assert.Error(t, f.Validate(), name)
		_, err := New(Options{Fixture: f})
		assert.Error(t, err, name)
	}
}

func TestGenerateFixture(t *testing.T) {
	f := GenerateFixture(64)
	require.NoError(t, f.Validate())
	assert.Len(t, f.Alibaba.RouterInterfaces, 3+128)
	ini, acc := LoadRouterInterfaceIDs(63)
	assert.Equal(t, "ri-load00063i", ini)
	assert.Equal(t, "ri-load00063a", acc)
	assert.Equal(t, "10.100.63.0/24", LoadRouteCIDR(63))
	assert.Equal(t, "10.101.0.0/24", LoadRouteCIDR(256))
	assert.Len(t, GenerateFixture(-1).Alibaba.RouterInterfaces, 3)
	require.NoError(t, GenerateFixture(MaxGeneratedPairs).Validate())
}

func TestClocks(t *testing.T) {
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	m := NewManualClock(start)
	m.Advance(time.Minute)
	m.Advance(-time.Hour)
	assert.Equal(t, start.Add(time.Minute), m.Now())

	wall := start
	s := &ScaledClock{origin: start, speed: 10, wall: func() time.Time { return wall }}
	wall = start.Add(3 * time.Second)
	assert.Equal(t, start.Add(30*time.Second), s.Now())
	assert.Equal(t, 1.0, NewScaledClock(0).Speed())
	assert.WithinDuration(t, time.Now(), RealClock{}.Now(), time.Second)
}

func TestGenerateFleetFixture(t *testing.T) {
	spec := FleetFixtureSpec{Changes: 30, SharedTables: 6, HubChanges: 4}
	f := GenerateFleetFixture(spec)
	require.NoError(t, f.Validate())
	_, t0, _ := FleetChange(spec, 0)
	_, t1, _ := FleetChange(spec, 1)
	_, t6, _ := FleetChange(spec, 6)
	assert.Equal(t, t0, t1, "0 and 1 share a table")
	assert.NotEqual(t, t0, t6)
	hub := 0
	for _, ri := range f.Alibaba.RouterInterfaces {
		if ri.RouterID == spec.HubRouterID() {
			hub++
		}
	}
	assert.Equal(t, 4, hub)

	two := GenerateFleetFixture(DemoFleet, FleetFixtureSpec{Prefix: "fl", Changes: 50, SharedTables: 10, HubChanges: 5})
	require.NoError(t, two.Validate(), "two fleets of different prefixes live side by side")
}

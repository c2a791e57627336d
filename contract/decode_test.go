package contract

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
)

// A key given twice is refused with its path and both lines, under the
// case folding encoding/json matches fields with: the decoder would keep
// the last while a reviewer reads the first.
func TestDuplicateKeysAreRefusedWithTheirPath(t *testing.T) {
	cases := map[string]string{
		"{\n\"RegionId\": \"cn-hangzhou\",\n\"RouterInterfaceId\": \"ri-a\",\n\"RouterInterfaceId\": \"ri-b\"\n}": `duplicate key "RouterInterfaceId" at "RouterInterfaceId" (line 4; the first at line 3)`,
		`{"RouterInterfaceId": "ri-a", "routerinterfaceid": "ri-b"}`:                                              `duplicate key "routerinterfaceid" at "routerinterfaceid" (line 1; the first at line 1)`,
		`{"RouteEntries": [{"RouteTableId": "vtb-1"}, {"RouteTableId": "vtb-2", "ROUTETABLEID": "vtb-3"}]}`:       `duplicate key "ROUTETABLEID" at "RouteEntries[1].ROUTETABLEID"`,
		`{"CrossAccount": {"BindUid": 1, "BindUid": 2}}`:                                                          `duplicate key "BindUid" at "CrossAccount.BindUid"`,
		// K and the Kelvin sign fold together, as the decoder matches them.
		`{"PageSize": 5, "PageSize": 6}`: `duplicate key "PageSize"`,
	}
	for data, want := range cases {
		var in NetworkChangeInput
		require.NoError(t, DecodeInput([]byte(data), &in))
		assert.ErrorContains(t, in.Validate(), want, data)
	}
	for _, ok := range []string{
		`{"RouteEntries": [{"RouteTableId": "vtb-1"}, {"RouteTableId": "vtb-2"}]}`,
		`{"CrossAccount": {"BindUid": 1}, "Approval": {"Required": true}}`,
		`[1, [2, {"a": 1}], {"a": 2}]`, `"text"`, `{}`, `{"a": {"a": {"a": 1}}}`,
	} {
		assert.Empty(t, duplicateKey([]byte(ok)), ok)
	}
	assert.Equal(t, foldKey("routetableid"), foldKey("RouteTableId"))
	assert.Equal(t, foldKey("K"), foldKey("\u212a"), "the Kelvin sign folds to K, as encoding/json folds it")
}

// A file given by mistake is not echoed: an unknown field is named by a
// bounded, escaped prefix and its line, a value of the wrong type by its
// field and line, never by its text.
func TestDecodeProblemsQuoteNoContent(t *testing.T) {
	secret := "hunter2-" + strings.Repeat("s", 200)
	line := "root:x:0:0:" + secret + ":/root:/bin/bash\x1b]0;owned\x07"
	data := "{\n\"RegionId\": \"cn-hangzhou\",\n\"" + strings.ReplaceAll(line, "\x1b", `\u001b`) + "\": 1\n}"
	var in NetworkChangeInput
	require.NoError(t, DecodeInput([]byte(strings.ReplaceAll(data, "\x07", `\u0007`)), &in))
	err := in.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown field "root:x:0:0:hunter2-sss`)
	assert.Contains(t, err.Error(), "(line 3)")
	assert.NotContains(t, err.Error(), secret, "a bounded prefix")
	assert.NotContains(t, err.Error(), "\x1b", "escaped")

	for data, want := range map[string]string{
		"{\n\"PageSize\": \"my-password\"}":              `"PageSize" (line 2) is a JSON string where a number is wanted`,
		"{\"PageSize\": 123456789012345678901234567890}": `is a JSON number where a number is wanted`,
		"{\n\n\"WaitTimeout\": \"" + secret + "\"}":      `not a duration`,
		"{\"RegionId\": \"cn-hangzhou\",\n x}":           "the input is not valid JSON at line 2",
	} {
		var in NetworkChangeInput
		require.NoError(t, DecodeInput([]byte(data), &in))
		err := in.Validate()
		require.Error(t, err, data)
		assert.Contains(t, err.Error(), want, data)
		assert.NotContains(t, err.Error(), "my-password", data)
		assert.NotContains(t, err.Error(), secret, data)
		assert.NotContains(t, err.Error(), "12345678901234567890", data)
	}
}

// A decision decodes strictly too: the worker's converter reports what
// does not fit, and the validator refuses it.
func TestDecisionsDecodeStrictly(t *testing.T) {
	dc := StrictInputs(converter.GetDefaultDataConverter())
	for raw, want := range map[string]string{
		`{"Approve": false, "By": "alice", "Approve": true}`: `duplicate key "Approve"`,
		`{"Approve": true, "By": "alice", "Approver": "x"}`:  `unknown field "Approver"`,
		`{"Approve": "yes", "By": "alice"}`:                  `"Approve" (line 1) is a JSON string where true or false is wanted`,
	} {
		p, err := converter.GetDefaultDataConverter().ToPayloads(rawJSON(raw))
		require.NoError(t, err)
		var d Decision
		require.NoError(t, dc.FromPayloads(p, &d))
		assert.Contains(t, d.Problem(), want, raw)
		assert.True(t, strings.HasPrefix(d.Problem(), "the decision does not decode"), raw)
	}
	p, err := dc.ToPayloads(Decision{Approve: true, By: "alice"})
	require.NoError(t, err)
	var d Decision
	require.NoError(t, dc.FromPayloads(p, &d))
	assert.Empty(t, d.Problem())
}

// rawJSON is JSON text the data converter sends as it is.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// FuzzDecision feeds arbitrary bytes through the worker's converter into a
// Decision, as an Update's payload arrives: never a panic, and whatever
// does not decode strictly, a repeated key above all, is a problem.
func FuzzDecision(f *testing.F) {
	f.Add([]byte(`{"Approve": true, "By": "alice", "Comment": "CHG-1"}`))
	f.Add([]byte(`{"Approve": false, "By": "alice", "approve": true}`))
	f.Add([]byte(`{"By": "\u001b]0;x\u0007", "Comment": 5}`))
	f.Add([]byte(`[{"By": "a"}]`))
	dc := StrictInputs(converter.GetDefaultDataConverter())
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := converter.GetDefaultDataConverter().ToPayloads(rawJSON(data))
		if err != nil {
			return // not JSON: the client's converter refuses to send it
		}
		var d Decision
		require.NoError(t, dc.FromPayloads(p, &d))
		problem := d.Problem()
		if duplicateKey(data) != "" {
			require.Contains(t, problem, "duplicate key")
		}
		if problem == "" {
			require.NotEmpty(t, strings.TrimSpace(d.By))
		}
	})
}

// FuzzRollbackInput: a Rollback's input, whatever it is, decodes,
// validates and compares without a panic, and a record is the same as
// itself in any order.
func FuzzRollbackInput(f *testing.F) {
	f.Add([]byte(`{"Change": "network-change/ri-1", "Changed": {"RegionId": "cn-hangzhou", "RouterInterfaceId": "ri-1",
		"TargetType": "ECR", "TargetInstanceId": "ecr-1", "Published": [{"RouteTableId": "vtb-1", "DestinationCidrBlock": "2001:DB8::/32"}]}}`))
	f.Add([]byte(`{"Change": "x", "Changed": null, "Change": "y"}`))
	f.Add([]byte(`{"Changed": {"Published": [{}, {}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in RollbackInput
		require.NoError(t, DecodeInput(data, &in))
		err := in.Validate()
		if duplicateKey(data) != "" {
			require.ErrorContains(t, err, "duplicate key")
		}
		c := in.Canonical()
		if c.Changed != nil {
			require.True(t, c.Changed.Same(*c.Changed))
			reversed := *c.Changed
			reversed.Published = append([]RouteEntry(nil), c.Changed.Published...)
			slices.Reverse(reversed.Published)
			require.True(t, c.Changed.Same(reversed))
		}
	})
}

// FuzzDuplicateKey: a key repeated in an object, however deep and however
// spelled, is found; a document whose every key is unique has none.
func FuzzDuplicateKey(f *testing.F) {
	f.Add("RouterInterfaceId", 0, true)
	f.Add("a", 3, false)
	f.Add("\u212a", 1, true)
	f.Fuzz(func(t *testing.T, key string, depth int, repeat bool) {
		if !utf8.ValidString(key) {
			return
		}
		depth = min(max(depth, 0), 10)
		name, _ := json.Marshal(key)
		other, _ := json.Marshal(key + "-other")
		inner := `{` + string(name) + `: 1, ` + string(other) + `: [1, {"x": 2}]`
		if repeat {
			inner += `, ` + string(name) + `: 3`
		}
		inner += `}`
		doc := inner
		for i := range depth {
			if i%2 == 0 {
				doc = `{"level": ` + doc + `, "level2": {"level": 1}}`
			} else {
				doc = `[0, ` + doc + `]`
			}
		}
		require.True(t, json.Valid([]byte(doc)), doc)
		got := duplicateKey([]byte(doc))
		if repeat {
			require.Contains(t, got, "duplicate key", doc)
		} else {
			require.Empty(t, got, doc)
		}
	})
}

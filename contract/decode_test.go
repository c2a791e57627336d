package contract

import (
	"strings"
	"testing"

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

package startercli

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/contract"
)

// billionLaughs is a YAML document of under 1 MiB that stands for a huge
// tree once its aliases are expanded: a 600 KB anchor used over 100,000
// times, as the spec that killed the starter with "out of memory".
func billionLaughs() string {
	var b strings.Builder
	b.WriteString("RegionId: cn-hangzhou\nbig: &a \"" + strings.Repeat("x", 600_000) + "\"\nExpectedRoutes: [")
	for i := range 130_000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("*a")
	}
	b.WriteString("]\n")
	return b.String()
}

// A YAML spec's anchors and aliases are refused before anything expands
// them; the file, the values and the nesting are bounded.
func TestHostileSpecFilesAreRefusedCheaply(t *testing.T) {
	dir := t.TempDir()
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	var many strings.Builder
	many.WriteString("ExpectedRoutes:\n")
	many.WriteString("ExpectedRoutes: [")
	for range 150_000 {
		many.WriteString("1,")
	}
	many.WriteString("]\n")
	for name, tc := range map[string]struct{ text, want string }{
		"an alias bomb":        {billionLaughs(), "anchors and aliases (& and *) are not accepted"},
		"a merge key":          {"base: &b {RegionId: cn-hangzhou}\n<<: *b\n", "anchors and aliases"},
		"nesting":              {"ExpectedRoutes: " + deep + "\n", "nested deeper than 32 levels"},
		"too many values":      {many.String(), "more than 100000 values"},
		"more than a megabyte": {"RegionId: " + strings.Repeat("x", 1<<20) + "\n", "larger than 1048576 bytes"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
		require.NoError(t, os.WriteFile(path, []byte(tc.text), 0o600))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var in contract.VerifyVpnRoutesInput
		err := loadSpec(context.Background(), path, nil, &in)
		runtime.ReadMemStats(&after)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.want, name)
		assert.Less(t, len(err.Error()), 500, name)
		// A few times the file, never the expansion (about 78 GB for the bomb).
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "%s allocated %d MB", name, (after.TotalAlloc-before.TotalAlloc)>>20)
	}
}

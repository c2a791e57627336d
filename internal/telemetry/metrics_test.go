package telemetry

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each list has one owner: the metric names and their tags are declared
// in metrics.go only, and the stages are listed in package contract only
// (contract.WaitingStages, contract.EndStages); everywhere else uses them.
// The module's non-test Go files are read for a copy: a metric name
// written out, a tag declared again, or a list of three stages or more.
func TestEachListHasOneOwner(t *testing.T) {
	tags := map[string]bool{TagOperation: true, TagCode: true, TagClass: true, TagWait: true, TagOutcome: true,
		TagWorkflow: true, TagErrorType: true, TagActivity: true, TagStage: true}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var copies []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if v, err := strconv.Unquote(n.Value); err == nil && strings.HasPrefix(v, "vpcflow_") && rel != "internal/telemetry/metrics.go" {
					copies = append(copies, fset.Position(n.Pos()).String()+": metric name "+v)
				}
			case *ast.ValueSpec:
				for _, v := range n.Values {
					if lit, ok := v.(*ast.BasicLit); ok && rel != "internal/telemetry/metrics.go" {
						if s, err := strconv.Unquote(lit.Value); err == nil && tags[s] && strings.HasPrefix(n.Names[0].Name, "Tag") {
							copies = append(copies, fset.Position(n.Pos()).String()+": tag "+s+" declared again")
						}
					}
				}
			case *ast.CompositeLit:
				if strings.HasPrefix(rel, "contract/") {
					return true
				}
				stages := 0
				ast.Inspect(n, func(m ast.Node) bool {
					if sel, ok := m.(*ast.SelectorExpr); ok && strings.HasPrefix(sel.Sel.Name, "Stage") {
						if x, ok := sel.X.(*ast.Ident); ok && x.Name == "contract" {
							stages++
						}
					}
					return true
				})
				if stages >= 3 {
					copies = append(copies, fset.Position(n.Pos()).String()+": a list of stages")
					return false
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, copies, "each list has one owner")
}

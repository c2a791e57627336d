// Package linktest checks in tests what a package links: the packages `go
// list -deps` names for it, the standard library included.
package linktest

import (
	"os/exec"
	"strings"
	"testing"
)

// Forbid fails t for each package that pkg depends on whose import path
// begins with one of forbidden. want is a package the list must hold, so a
// list that is empty or not pkg's cannot pass. It logs how many packages
// pkg links.
func Forbid(t *testing.T, pkg, want string, forbidden []string) {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(goCmd, "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	deps := strings.Fields(string(out))
	found := false
	for _, dep := range deps {
		found = found || dep == want
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
	if !found {
		t.Fatalf("go list -deps %s does not name %s: not the list it should be", pkg, want)
	}
	t.Logf("%s links %d packages", pkg, len(deps))
}

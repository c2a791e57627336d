// Command printbuildid prints buildinfo.BuildID(): the buildinfo test
// builds it with the linker flag deploy/Dockerfile uses.
package main

import (
	"fmt"

	"github.com/vpcflow/vpcflow/internal/buildinfo"
)

func main() { fmt.Print(buildinfo.BuildID()) }

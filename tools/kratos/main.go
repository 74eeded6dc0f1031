// Command kratos builds Ory Kratos for the acceptance tests and the demo.
// It exists so that Kratos comes from the Go module proxy, pinned in go.mod.
package main

import (
	"os"

	"github.com/ory/kratos/cmd"
)

func main() {
	os.Exit(cmd.Execute())
}

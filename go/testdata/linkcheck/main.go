// linkcheck is built by link_test.go to check how binaries link.
package main

import (
	"fmt"
	"os"

	v8runner "github.com/v8runner/v8runner/go"
)

func main() {
	out, err := v8runner.RunV8("'linked ' + (6 * 7)")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println(out)
}

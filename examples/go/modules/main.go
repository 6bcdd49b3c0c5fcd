// An ES module program embedded in the binary: static imports, a JSON
// module, a Go-provided module, top-level await and a dynamic import.
package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log"
	"os"
	"strings"

	v8runner "github.com/v8runner/v8runner/go"
)

//go:embed js
var scripts embed.FS

func main() {
	js, _ := fs.Sub(scripts, "js")
	rt, err := v8runner.NewRuntime(v8runner.WithModules(js), v8runner.WithConsole(os.Stdout))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	rt.Module("host:text", map[string]any{
		"upper": func(args ...v8runner.Value) (any, error) { return strings.ToUpper(args[0].String()), nil },
	})
	ctx := context.Background()
	app, err := rt.Import(ctx, "app.js") // runs the graph, waits for top-level await
	if err != nil {
		log.Fatal(err)
	}
	report, _ := app.Call(ctx, "report", "gopher")
	fmt.Println(report)
	if err := rt.Run(ctx); err != nil { // the dynamic import in a timer
		log.Fatal(err)
	}
}

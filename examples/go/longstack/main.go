// Runs examples/js/long_stack.js (or the file named by the first
// argument): a chain of timers and an awaited Go function whose final
// error prints one long stack trace, built by JS async hooks.
package main

import (
	"context"
	"hash/fnv"
	"log"
	"os"

	v8runner "github.com/v8runner/v8runner/go"
)

func main() {
	path := "examples/js/long_stack.js"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	src, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	rt, err := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	// checksum(text) runs on its own goroutine; JS awaits a Promise.
	rt.AsyncFunc("checksum", func(ctx context.Context, args ...v8runner.Value) (any, error) {
		h := fnv.New32a()
		h.Write([]byte(args[0].String()))
		return h.Sum32(), nil
	})
	ctx := context.Background()
	if _, err := rt.EvalNamed(ctx, string(src), "long_stack.js"); err != nil {
		log.Fatal(err)
	}
	if err := rt.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

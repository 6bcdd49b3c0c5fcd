// An async Go function awaited from JS: each call runs on its own
// goroutine and settles a Promise through the event loop.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	v8runner "github.com/v8runner/v8runner/go"
)

func main() {
	rt, err := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	rt.AsyncFunc("lookup", func(ctx context.Context, args ...v8runner.Value) (any, error) {
		word := args[0].String()
		time.Sleep(time.Duration(len(word)) * 10 * time.Millisecond) // stands for a slow service
		if word == "" {
			return nil, fmt.Errorf("empty word")
		}
		return map[string]any{"word": word, "upper": strings.ToUpper(word), "length": len(word)}, nil
	})
	_, err = rt.Eval(context.Background(), `
		(async () => {
			const results = await Promise.all(['go', 'v8', 'rust'].map(lookup));
			for (const r of results) console.log(r.word, '->', r.upper, r.length);
			try { await lookup('') } catch (e) { console.log('error:', e.message) }
		})()`)
	if err != nil {
		log.Fatal(err)
	}
	if err := rt.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

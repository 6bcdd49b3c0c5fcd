// The chunked work pattern: a 4 MiB buffer is copied and hashed one chunk
// per QueueWork request on the thread pool; each after-callback, on the
// runtime's thread, reports progress to JS and queues the next chunk; the
// last one resolves the Promise the script awaits.
package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"log"
	"os"

	v8runner "github.com/v8runner/v8runner/go"
)

const chunk = 1 << 20

func main() {
	rt, err := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()

	size := 4 << 20
	src := make([]byte, size)
	for i := range src {
		src[i] = byte(i*31 + i>>12)
	}
	dst := make([]byte, size)
	h := fnv.New64a()
	done := 0

	var step func()
	step = func() {
		_, err := rt.QueueWork(func() (any, error) { // pool thread
			n := min(chunk, size-done)
			copy(dst[done:done+n], src[done:done+n])
			h.Write(dst[done : done+n])
			return n, nil
		}, func(n any, err error) { // runtime thread
			if err != nil {
				log.Fatal(err)
			}
			done += n.(int)
			rt.Call(ctx, "onProgress", done, size)
			if done < size {
				step()
				return
			}
			if _, err := rt.Call(ctx, "finish", map[string]any{"bytes": done, "fnv1a": fmt.Sprintf("%016x", h.Sum64())}); err != nil {
				log.Fatal(err)
			}
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	_, err = rt.Eval(ctx, `
		function onProgress(done, total) { console.log(`+"`progress ${done >> 20}/${total >> 20} MiB`"+`) }
		var finish;
		new Promise(resolve => finish = resolve)
			.then(r => console.log(`+"`copied ${r.bytes} bytes, fnv1a ${r.fnv1a}`"+`));`)
	if err != nil {
		log.Fatal(err)
	}
	step()
	if err := rt.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

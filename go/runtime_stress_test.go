package v8runner

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// 1,000 goroutines (hundreds of OS threads in cgo calls) share one runtime,
// with enough allocation that V8 collects garbage meanwhile.
func TestRuntimeThousandGoroutines(t *testing.T) {
	rt := newRuntime(t)
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := rt.Eval(context.Background(), fmt.Sprintf("var a = []; for (let k = 0; k < 2000; k++) a.push({k}); %d + 1", i))
			if err != nil || v.Int() != int64(i+1) {
				t.Errorf("%d: %v %v", i, v, err)
			}
		}()
	}
	wg.Wait()
}

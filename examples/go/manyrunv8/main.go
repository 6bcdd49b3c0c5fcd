// RunV8 from many goroutines at once.
package main

import (
	"fmt"
	"log"
	"sync"

	v8runner "github.com/v8runner/v8runner/go"
)

func main() {
	const n = 100
	results := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := v8runner.RunV8(fmt.Sprintf("[%d, %d].map(x => x * x).join(' and ')", i, i+1))
			if err != nil {
				log.Fatal(err)
			}
			results[i] = out
		}()
	}
	wg.Wait()
	fmt.Println(results[0])
	fmt.Println(results[n-1])
	fmt.Println(n, "goroutines done")
}

// The threaded callback: a goroutine sends an incrementing integer every
// 100 ms through a notifier; the runtime's loop calls the script's global
// callback(i). After 5 the goroutine closes the notifier and Run returns.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	v8runner "github.com/v8runner/v8runner/go"
)

func main() {
	rt, err := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	if _, err := rt.Eval(ctx, "callback = function (i) { console.log('Bang: ' + i) }"); err != nil {
		log.Fatal(err)
	}
	n, err := rt.NewNotifier("callback")
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for i := range 5 {
			time.Sleep(100 * time.Millisecond)
			n.Send(i)
		}
		n.Close()
	}()
	if err := rt.Run(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("done")
}

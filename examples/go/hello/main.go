// Hello Go World: the classic RunV8 call, then a runtime that keeps state.
package main

import (
	"context"
	"fmt"
	"log"

	v8runner "github.com/v8runner/v8runner/go"
)

func main() {
	out, err := v8runner.RunV8("'Hello ' + 'Go' + ' World'")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out)

	rt, err := v8runner.NewRuntime(v8runner.WithName("hello"))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	rt.Eval(ctx, "let greetings = []; function greet(who) { greetings.push(who); return greetings.length }")
	rt.Eval(ctx, "greet('Gopher')")
	v, err := rt.Eval(ctx, "greet('V8'), greetings")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("greeted:", v)
}

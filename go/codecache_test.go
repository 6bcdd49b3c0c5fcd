package v8runner

import (
	"context"
	"testing"
)

func TestCodeCache(t *testing.T) {
	ctx := context.Background()
	lib := "function sq(x) { return x * x } var total = 0; for (let i = 0; i < 10; i++) total += sq(i); total"
	a := newRuntime(t)
	cache, err := a.CodeCache(lib, "lib.js")
	if err != nil || len(cache) < 64 {
		t.Fatalf("cache: %d bytes, %v", len(cache), err)
	}
	b := newRuntime(t)
	v, rejected, err := b.EvalCached(ctx, lib, "lib.js", cache)
	if err != nil || rejected || v.Int() != 285 {
		t.Errorf("with cache: %v %v %v", v, rejected, err)
	}
	c := newRuntime(t)
	if v, rejected, err := c.EvalCached(ctx, lib, "lib.js", []byte("not a cache at all, not at all.....")); err != nil || !rejected || v.Int() != 285 {
		t.Errorf("junk cache: %v %v %v", v, rejected, err)
	}
	d := newRuntime(t)
	if v, rejected, err := d.EvalCached(ctx, "40 + 2", "other.js", cache); err != nil || !rejected || v.Int() != 42 {
		t.Errorf("another source: %v %v %v", v, rejected, err)
	}
	if _, err := a.CodeCache("var = 1", "bad.js"); err == nil {
		t.Error("syntax error gave a cache")
	}
}

package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"errors"
	"sync"
	"sync/atomic"
)

// Go errors thrown into JS keep their identity: each one gets a tag the
// library hides on the JS Error it throws; when that Error (or one it
// caused) comes back as an exception, the tag finds the Go error again.
// The most recent maxHostErrors are remembered (an error JS kept longer
// comes back as a plain *JSError).
const maxHostErrors = 4096

type hostErrorTable struct {
	mu   sync.Mutex
	m    map[uint64]error
	ring [maxHostErrors]uint64
	next int
}

var (
	hostErrors hostErrorTable
	hostTags   atomic.Uint64
)

// add remembers err and returns its tag (below 2^53, never 0).
func (t *hostErrorTable) add(err error) uint64 {
	tag := hostTags.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = make(map[uint64]error)
	}
	delete(t.m, t.ring[t.next])
	t.ring[t.next] = tag
	t.next = (t.next + 1) % maxHostErrors
	t.m[tag] = err
	return tag
}

func (t *hostErrorTable) get(tag uint64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[tag]
}

// thrownValue is what JS throws for err: the original exception of a
// *JSError returned as it is, else a new Error with err's message, tagged.
// The value is the library's once handed over (an object handle is a
// duplicate).
func thrownValue(err error) C.v8r_value {
	var jsErr *JSError
	if errors.As(err, &jsErr) && jsErr == err && jsErr.exception != nil {
		if cv, e := ownedCValue(jsErr.exception); e == nil {
			cv.kind = C.V8R_KIND_OBJECT
			return cv
		}
	}
	b := []byte(err.Error())
	return C.v8r_value{
		kind:   C.V8R_KIND_STRING,
		data:   (*C.char)(C.CBytes(b)),
		len:    C.size_t(len(b)),
		number: C.double(hostErrors.add(err)),
	}
}

// rejectWith rejects promise with what JS should see for err.
func rejectWith(promise *C.v8r_promise, err error) {
	cv := thrownValue(err)
	C.v8r_promise_reject_value(promise, &cv)
	C.v8r_value_release(&cv)
}

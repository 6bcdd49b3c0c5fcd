//go:build race

package v8runner

// raceEnabled: the race detector multiplies memory use; tests that move
// gigabytes skip themselves under it.
const raceEnabled = true

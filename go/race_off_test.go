//go:build !race

package v8runner

const raceEnabled = false

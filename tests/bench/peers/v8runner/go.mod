module v8runner-bench/v8runner

go 1.24

require (
	github.com/v8runner/v8runner/go v0.0.0
	v8runner-bench/workloads v0.0.0
)

replace (
	github.com/v8runner/v8runner/go => ../../../../go
	v8runner-bench/workloads => ../../workloads
)

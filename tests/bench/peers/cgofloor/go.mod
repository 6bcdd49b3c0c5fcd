module v8runner-bench/cgofloor

go 1.24

require v8runner-bench/workloads v0.0.0

replace v8runner-bench/workloads => ../../workloads

module v8runner-bench/workloads

go 1.24

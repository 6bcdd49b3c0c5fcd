module v8runner-bench/cgofloor

go 1.24

module github.com/v8runner/v8runner/examples/go

go 1.24

require github.com/v8runner/v8runner/go v0.0.0

replace github.com/v8runner/v8runner/go => ../../go

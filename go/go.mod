module github.com/v8runner/v8runner/go

go 1.24

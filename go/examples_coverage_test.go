package v8runner

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestEveryExportedNameHasAnExample keeps the package documented by
// example: every exported top-level function, exported type, method of an
// exported type (as Type_Method) and exported variable (the Err sentinels)
// needs an Example in some _test.go file, named the go doc way: ExampleX,
// ExampleT_M, or either with a lower-case suffix (ExampleT_M_second).
//
// Exported constants are exempt when they have an exported type: the
// Example of the type covers them (KindNumber by ExampleKind), and the type
// itself is checked. An untyped constant, or one of an unexported type,
// needs its own Example.
func TestEveryExportedNameHasAnExample(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, 0)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	names := map[string]string{}  // name -> position, for the message
	examples := map[string]bool{} // Example function names, without "Example"
	add := func(name string, pos token.Pos) {
		if _, ok := names[name]; !ok {
			names[name] = fset.Position(pos).String()
		}
	}
	for pkgName, p := range pkgs {
		for fname, f := range p.Files {
			if strings.HasSuffix(fname, "_test.go") {
				for _, d := range f.Decls {
					if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "Example") {
						examples[strings.TrimPrefix(fd.Name.Name, "Example")] = true
					}
				}
				continue
			}
			if pkgName != "v8runner" {
				continue
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if !d.Name.IsExported() {
						continue
					}
					if d.Recv == nil {
						add(d.Name.Name, d.Pos())
						continue
					}
					if recv := receiverName(d.Recv.List[0].Type); ast.IsExported(recv) {
						add(recv+"_"+d.Name.Name, d.Pos())
					}
				case *ast.GenDecl:
					var lastType ast.Expr // a const spec without type repeats the previous one
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							if s.Name.IsExported() {
								add(s.Name.Name, s.Pos())
							}
						case *ast.ValueSpec:
							if d.Tok == token.CONST {
								if s.Type != nil || len(s.Values) > 0 {
									lastType = s.Type
								}
								if typ, ok := lastType.(*ast.Ident); ok && typ.IsExported() {
									continue // covered by the Example of its type
								}
							}
							for _, n := range s.Names {
								if n.IsExported() {
									add(n.Name, n.Pos())
								}
							}
						}
					}
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("found no exported names: wrong directory?")
	}
	var missing []string
	for name := range names {
		if !hasExample(examples, name) {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		var b strings.Builder
		for _, name := range missing {
			b.WriteString("\n\tExample" + name + "\t(" + names[name] + ")")
		}
		t.Errorf("%d of %d exported names have no Example; add:%s", len(missing), len(names), b.String())
	}
}

// receiverName is the type name of a method receiver: T, *T, T[P], *T[P].
func receiverName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// hasExample reports whether examples has name itself or name_suffix with
// a suffix that starts with a lower-case letter and has no underscore (how
// go doc tells a suffix from a method name).
func hasExample(examples map[string]bool, name string) bool {
	if examples[name] {
		return true
	}
	for e := range examples {
		suffix, ok := strings.CutPrefix(e, name+"_")
		if !ok || suffix == "" || strings.Contains(suffix, "_") {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(suffix); unicode.IsLower(r) {
			return true
		}
	}
	return false
}

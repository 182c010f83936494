// Package wasmtest builds small binary modules byte by byte for tests: the sections a test
// needs, each given its size, as the WebAssembly core specification lays them out (§5.5).
package wasmtest

// Section ids.
const (
	Custom   byte = 0
	Type     byte = 1
	Import   byte = 2
	Function byte = 3
	Memory   byte = 5
	Export   byte = 7
	Code     byte = 10
)

// Module is the binary of a module made of sections, as Section makes them.
func Module(sections ...[]byte) []byte {
	b := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	for _, s := range sections {
		b = append(b, s[0])
		b = U32(b, uint32(len(s)-1))
		b = append(b, s[1:]...)
	}
	return b
}

// Section is a section of id whose body is parts, concatenated (Module adds its size).
func Section(id byte, parts ...[]byte) []byte {
	b := []byte{id}
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// U32 appends v in unsigned LEB128.
func U32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// Name is a name: its length in LEB128, then its bytes.
func Name(s string) []byte { return append(U32(nil, uint32(len(s))), s...) }

// FuncImport is an import entry of a function of type index 0.
func FuncImport(module, name string) []byte {
	return append(append(Name(module), Name(name)...), 0x00, 0x00)
}

// FuncExport is an export entry of function index fn.
func FuncExport(name string, fn uint32) []byte { return U32(append(Name(name), 0x00), fn) }

// Funcs is a module with one type () -> (), the given function imports, and one function of
// its own (an empty body) exported under each of exports, plus custom sections (name, data
// pairs).
func Funcs(imports [][2]string, exports []string, custom ...string) []byte {
	var secs [][]byte
	secs = append(secs, Section(Type, []byte{1, 0x60, 0, 0}))
	if len(imports) > 0 {
		body := U32(nil, uint32(len(imports)))
		for _, im := range imports {
			body = append(body, FuncImport(im[0], im[1])...)
		}
		secs = append(secs, Section(Import, body))
	}
	secs = append(secs, Section(Function, []byte{1, 0}))
	exp := U32(nil, uint32(len(exports)))
	for _, e := range exports {
		exp = append(exp, FuncExport(e, uint32(len(imports)))...)
	}
	secs = append(secs, Section(Export, exp))
	secs = append(secs, Section(Code, []byte{1, 2, 0, 0x0b}))
	for i := 0; i+1 < len(custom); i += 2 {
		secs = append(secs, Section(Custom, Name(custom[i]), []byte(custom[i+1])))
	}
	return Module(secs...)
}

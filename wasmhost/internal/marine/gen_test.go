package marine_test

// The test modules (testdata/*.wasm) are built from testdata/*.wat and the interface-types
// sections laid out in testdata/gen; both are committed, so tests need no tool.
//go:generate go run ./testdata/gen

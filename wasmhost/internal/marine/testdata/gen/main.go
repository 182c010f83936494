// Command gen builds the test modules of wasmhost/internal/marine: for each testdata/<name>.wat
// it runs wat2wasm (from wabt: apt-get install wabt) and appends the module's interface-types
// section, laid out here with ittest.Builder as `marine build` lays it out, and a
// __fluence_sdk_version section. Run it from the
// package directory (go generate does): go run ./testdata/gen
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
	"github.com/aquanet/aquanet/wasmhost/internal/it/ittest"
)

var (
	str   = ittest.T(api.String)
	bytes = ittest.T(api.ByteArray)
	u32   = ittest.T(api.U32)
	u64   = ittest.T(api.U64)
	f     = ittest.F
)

func args(fs ...it.Field) []it.Field { return fs }

func greeting() *ittest.Builder {
	b := ittest.NewBuilder("0.27.0")
	inner := b.Record("Inner", f("id", u32), f("label", str))
	rec := b.Record("Rec", f("flag", ittest.T(api.Bool)), f("small", ittest.T(api.S8)), f("count", ittest.T(api.U16)),
		f("delta", ittest.T(api.S32)), f("big", u64), f("ratio", ittest.T(api.F64)), f("name", str), f("data", bytes),
		f("inner", inner), f("tags", ittest.ArrayOf(str)))
	b.Export("greeting", args(f("name", str)), str)
	b.Export("echo_bytes", args(f("data", bytes)), bytes)
	b.Export("echo_strings", args(f("xs", ittest.ArrayOf(str))), ittest.ArrayOf(str))
	b.Export("sum_u32s", args(f("xs", ittest.ArrayOf(u32))), u64)
	for _, s := range []struct {
		name string
		k    api.Kind
		n    int
	}{{"neg_s32", api.S32, 1}, {"neg_s8", api.S8, 1}, {"inc_u8", api.U8, 1}, {"add_u64", api.U64, 2},
		{"add_s64", api.S64, 2}, {"half_f64", api.F64, 1}, {"id_f32", api.F32, 1}, {"not", api.Bool, 1},
		{"swap_u16", api.U16, 1}} {
		t := ittest.T(s.k)
		as := args(f("x", t))
		if s.n == 2 {
			as = args(f("a", t), f("b", t))
		}
		b.Export(s.name, as, t)
	}
	b.Export("log", args(f("msg", str)))
	b.Export("release_count", nil, u32)
	b.Export("fail", nil)
	b.Export("spin", nil)
	b.Export("make_record", nil, rec)
	b.Export("echo_record", args(f("r", rec)), rec)
	b.Export("record_sum", args(f("r", rec)), u64)
	return b
}

func callparams() *ittest.Builder {
	b := ittest.NewBuilder("0.23.1")
	tetraplet := func(name, lens string) it.IType {
		return b.Record(name, f("peer_pk", str), f("service_id", str), f("function_name", str), f(lens, str))
	}
	nested := func(t it.IType) it.IType { return ittest.ArrayOf(ittest.ArrayOf(t)) }
	t0, t2, t3 := tetraplet("SecurityTetraplet", "json_path"), tetraplet("SecurityTetrapletV2", "lambda"), tetraplet("SecurityTetrapletV3", "lens")
	particle := b.Record("ParticleParameters", f("id", str), f("init_peer_id", str), f("timestamp", u64), f("ttl", u32),
		f("script", str), f("signature", bytes), f("token", str))
	cp0 := b.Record("CallParameters", f("init_peer_id", str), f("service_id", str), f("service_creator_peer_id", str),
		f("host_id", str), f("particle_id", str), f("tetraplets", nested(t0)))
	cp1 := b.Record("CallParametersV1", f("init_peer_id", str), f("service_id", str), f("service_creator_peer_id", str),
		f("host_id", str), f("worker_id", str), f("particle_id", str), f("tetraplets", nested(t0)))
	v2 := func(name string, t it.IType) it.IType {
		return b.Record(name, f("particle", particle), f("service_id", str), f("service_creator_peer_id", str),
			f("host_id", str), f("worker_id", str), f("tetraplets", nested(t)))
	}
	cp2, cp3 := v2("CallParametersV2", t2), v2("CallParametersV3", t3)
	for i, cp := range []it.IType{cp0, cp1, cp2, cp3} {
		b.Export(fmt.Sprintf("params_v%d", i), nil, cp)
	}
	return b
}

func mounted() *ittest.Builder {
	b := ittest.NewBuilder("0.27.0")
	b.Export("run_curl", nil)
	return b
}

// binary's run returns the record marine-rs-sdk declares for a mounted binary's result.
func binary() *ittest.Builder {
	b := ittest.NewBuilder("0.27.0")
	res := b.Record("MountedBinaryResult", f("ret_code", ittest.T(api.S32)), f("error", str),
		f("stdout", ittest.ArrayOf(ittest.T(api.U8))), f("stderr", ittest.ArrayOf(ittest.T(api.U8))))
	b.Export("run", args(f("args", ittest.ArrayOf(str))), res)
	return b
}

func pair(b *ittest.Builder) it.IType {
	return b.Record("Pair", f("n", ittest.T(api.S32)), f("s", str))
}

func effector() *ittest.Builder {
	b := ittest.NewBuilder("0.27.0")
	p := pair(b)
	b.Export("shout", args(f("s", str)), str)
	b.Export("sum", args(f("xs", ittest.ArrayOf(u32))), u64)
	b.Export("bump", args(f("p", p)), p)
	b.Export("boom", nil)
	return b
}

func pure() *ittest.Builder {
	b := ittest.NewBuilder("0.27.0")
	p := pair(b)
	b.Import("effector", "shout", args(f("s", str)), str)
	b.Import("effector", "sum", args(f("xs", ittest.ArrayOf(u32))), u64)
	b.Import("effector", "bump", args(f("p", p)), p)
	b.Import("effector", "boom", nil)
	b.Export("start_order", nil, u32)
	b.Export("seen_at_start", nil, u64)
	b.Export("relay", args(f("s", str)), str)
	b.Export("relay_sum", args(f("xs", ittest.ArrayOf(u32))), u64)
	b.Export("relay_bump", args(f("p", p)), p)
	b.Export("relay_boom", nil)
	return b
}

func main() {
	modules := map[string]*ittest.Builder{
		"greeting": greeting(), "callparams": callparams(), "effector": effector(), "pure": pure(),
		"mounted": mounted(), "binary": binary(),
	}
	for name, b := range modules {
		wat := filepath.Join("testdata", name+".wat")
		core, err := exec.Command("wat2wasm", "--output=-", wat).Output()
		if err != nil {
			fail(fmt.Errorf("wat2wasm %s: %w", wat, err))
		}
		wasm := append(core, ittest.CustomSection(it.SectionName, b.Bytes())...)
		// Marine refuses a module without the SDK version it was built with (marine.md §2.1).
		wasm = append(wasm, ittest.CustomSection("__fluence_sdk_version", []byte("0.14.0"))...)
		if err := os.WriteFile(filepath.Join("testdata", name+".wasm"), wasm, 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

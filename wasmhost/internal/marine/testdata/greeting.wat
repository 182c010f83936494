;; greeting: one module of ours with Marine's ABI, for wasmhost/internal/marine's tests: strings,
;; byte arrays, arrays, records, every scalar kind, logging, a trap and an endless loop. Its
;; interface-types section is written by testdata/gen (gen.go), which builds greeting.wasm.
(module
  (import "__marine_host_api_v1" "log_utf8_string" (func $log (param i32 i32 i32 i32)))
  (memory (export "memory") 2)
  ;; Marine's fixed API (marine.md §2.1): a bump allocator, a release counter and the result
  ;; pointer and size the adapters read.
  (global $heap (mut i32) (i32.const 65536))
  (global $result_ptr (mut i32) (i32.const 0))
  (global $result_size (mut i32) (i32.const 0))
  (global $released (mut i32) (i32.const 0))
  (func $allocate (export "allocate") (param $size i32) (param $tag i32) (result i32)
    (local $p i32)
    (if (i32.eqz (local.get $size)) (then (return (i32.const 0))))
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $size)) (i32.const 7)) (i32.const -8)))
    (block $enough
      (loop $grow
        (br_if $enough (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
        (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
        (br $grow)))
    (local.get $p))
  (func (export "release_objects") (global.set $released (i32.add (global.get $released) (i32.const 1))))
  (func (export "get_result_ptr") (result i32) (global.get $result_ptr))
  (func (export "get_result_size") (result i32) (global.get $result_size))
  (func $set_result_ptr (export "set_result_ptr") (param i32) (global.set $result_ptr (local.get 0)))
  (func $set_result_size (export "set_result_size") (param i32) (global.set $result_size (local.get 0)))

  ;; greeting(name: string) -> string: "Hi, " + name, in a new buffer.
  (data (i32.const 1024) "Hi, ")
  (func (export "greeting") (param $p i32) (param $n i32)
    (local $out i32)
    (local.set $out (call $allocate (i32.add (local.get $n) (i32.const 4)) (i32.const 1)))
    (memory.copy (local.get $out) (i32.const 1024) (i32.const 4))
    (memory.copy (i32.add (local.get $out) (i32.const 4)) (local.get $p) (local.get $n))
    (call $set_result_ptr (local.get $out))
    (call $set_result_size (i32.add (local.get $n) (i32.const 4))))

  ;; echo_bytes(data: []u8) -> []u8 and echo_strings(xs: []string) -> []string give back what
  ;; they were given (the module owns its argument buffers).
  (func (export "echo_bytes") (param $p i32) (param $n i32)
    (call $set_result_ptr (local.get $p))
    (call $set_result_size (local.get $n)))
  (func (export "echo_strings") (param $p i32) (param $n i32)
    (call $set_result_ptr (local.get $p))
    (call $set_result_size (local.get $n)))

  ;; sum_u32s(xs: []u32) -> u64, read from memory.
  (func (export "sum_u32s") (param $p i32) (param $n i32) (result i64)
    (local $sum i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i64.add (local.get $sum) (i64.load32_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  ;; Scalars.
  (func (export "neg_s32") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
  (func (export "neg_s8") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
  (func (export "inc_u8") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "add_u64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "add_s64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "half_f64") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5)))
  (func (export "id_f32") (param f32) (result f32) (local.get 0))
  (func (export "not") (param i32) (result i32) (i32.eqz (local.get 0)))
  (func (export "swap_u16") (param i32) (result i32)
    (i32.or (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 8)) (i32.shr_u (local.get 0) (i32.const 8))))

  ;; log(msg: string): at level 3 (info), target 0.
  (func (export "log") (param $p i32) (param $n i32)
    (call $log (i32.const 3) (i32.const 0) (local.get $p) (local.get $n)))

  ;; release_count() -> u32: how many times release_objects ran.
  (func (export "release_count") (result i32) (global.get $released))

  ;; fail() traps; spin() never returns.
  (func (export "fail") unreachable)
  (func (export "spin") (loop $forever (br $forever)))

  ;; make_record() -> Rec: a record laid out by hand in the data below (marine.md §2.3: packed,
  ;; little-endian; strings and arrays (ptr, count), records a pointer).
  ;; Rec{flag: bool, small: s8, count: u16, delta: s32, big: u64, ratio: f64, name: string,
  ;;     data: []u8, inner: Inner, tags: []string}; Inner{id: u32, label: string}
  (data (i32.const 2048)
    "\01" "\fb" "\01\02" "\60\79\fe\ff"   ;; true, -5, 513, -100000
    "\05\00\00\00\00\00\00\80"            ;; 2^63 + 5
    "\00\00\00\00\00\00\f8\3f"            ;; 1.5
    "\b8\0b\00\00\06\00\00\00"            ;; name at 3000, 6 bytes
    "\c2\0b\00\00\03\00\00\00"            ;; data at 3010, 3 bytes
    "\1c\0c\00\00"                          ;; inner at 3100
    "\80\0c\00\00\02\00\00\00")           ;; tags at 3200, 2 elements
  (data (i32.const 3000) "h\c3\a9llo")
  (data (i32.const 3010) "\00\ff\07")
  (data (i32.const 3100) "\00\28\6b\ee" "\30\0c\00\00\02\00\00\00") ;; 4000000000, label at 3120
  (data (i32.const 3120) "ok")
  (data (i32.const 3200) "\e4\0c\00\00\01\00\00\00" "\00\00\00\00\00\00\00\00") ;; "a" at 3300, ""
  (data (i32.const 3300) "a")
  (func (export "make_record") (call $set_result_ptr (i32.const 2048)))

  ;; echo_record(r: Rec) -> Rec gives its argument back.
  (func (export "echo_record") (param $r i32) (call $set_result_ptr (local.get $r)))

  ;; record_sum(r: Rec) -> u64 adds up what it reads at the layout's offsets: flag + small +
  ;; count + delta + big + trunc(ratio) + len(name) + name[0] + len(data) + data[0] + inner.id +
  ;; len(inner.label) + len(tags); so that the host's lowering is checked byte by byte.
  (func (export "record_sum") (param $r i32) (result i64)
    (local $s i64) (local $inner i32)
    (local.set $s (i64.load8_u (local.get $r)))
    (local.set $s (i64.add (local.get $s) (i64.load8_s offset=1 (local.get $r))))
    (local.set $s (i64.add (local.get $s) (i64.load16_u offset=2 (local.get $r))))
    (local.set $s (i64.add (local.get $s) (i64.load32_s offset=4 (local.get $r))))
    (local.set $s (i64.add (local.get $s) (i64.load offset=8 (local.get $r))))
    (local.set $s (i64.add (local.get $s) (i64.trunc_f64_s (f64.load offset=16 (local.get $r)))))
    (local.set $s (i64.add (local.get $s) (i64.load32_u offset=28 (local.get $r))))
    (if (i32.load offset=28 (local.get $r)) (then
      (local.set $s (i64.add (local.get $s) (i64.load8_u (i32.load offset=24 (local.get $r)))))))
    (local.set $s (i64.add (local.get $s) (i64.load32_u offset=36 (local.get $r))))
    (if (i32.load offset=36 (local.get $r)) (then
      (local.set $s (i64.add (local.get $s) (i64.load8_u (i32.load offset=32 (local.get $r)))))))
    (local.set $inner (i32.load offset=40 (local.get $r)))
    (local.set $s (i64.add (local.get $s) (i64.load32_u (local.get $inner))))
    (local.set $s (i64.add (local.get $s) (i64.load32_u offset=8 (local.get $inner))))
    (local.set $s (i64.add (local.get $s) (i64.load32_u offset=48 (local.get $r))))
    (local.get $s))
)

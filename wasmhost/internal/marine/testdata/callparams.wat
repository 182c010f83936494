;; callparams: reads the call parameters from each of the four host API namespaces (their
;; record layouts differ, marine.md §2.5).
(module
  (import "host" "get_call_parameters" (func $cp_v0))
  (import "__marine_host_api_v1" "get_call_parameters" (func $cp_v1))
  (import "__marine_host_api_v2" "get_call_parameters" (func $cp_v2))
  (import "__marine_host_api_v3" "get_call_parameters" (func $cp_v3))
  (memory (export "memory") 1)
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
  ;; The host writes the record and sets the result pointer; the export adapter lifts it from
  ;; there (get_result_ptr, record.lift_memory).
  (func (export "params_v0") (call $cp_v0))
  (func (export "params_v1") (call $cp_v1))
  (func (export "params_v2") (call $cp_v2))
  (func (export "params_v3") (call $cp_v3))
)

;; binary: imports a mounted binary, echo, as marine-rs-sdk's #[host_import] declares one:
;; echo(cmd: [string]) -> MountedBinaryResult, in the core (ptr, count) -> (), the result
;; record handed back through set_result_ptr.
(module
  (import "host" "echo" (func $echo (param i32 i32)))
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

  ;; run(args: [string]) -> MountedBinaryResult: the arguments go to echo as the export
  ;; adapter lowered them; the host's set_result_ptr left the record where this function's
  ;; adapter reads its result.
  (func (export "run") (param $p i32) (param $n i32)
    (call $echo (local.get $p) (local.get $n)))
)

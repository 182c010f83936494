;; pure: the facade of a two-module service; it imports effector's functions through their
;; raw core signatures, which the host serves by running pure's import adapters.
(module
  (import "effector" "shout" (func $shout (param i32 i32)))
  (import "effector" "sum" (func $sum (param i32 i32) (result i64)))
  (import "effector" "bump" (func $bump (param i32)))
  (import "effector" "boom" (func $boom))
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
  ;; _initialize then _start, each recording its turn; _start calls effector (marine.md §0 (a)).
  (global $order (mut i32) (i32.const 0))
  (global $seen (mut i64) (i64.const 0))
  (func (export "_initialize") (global.set $order (i32.add (i32.mul (global.get $order) (i32.const 10)) (i32.const 1))))
  (func (export "_start")
    (global.set $order (i32.add (i32.mul (global.get $order) (i32.const 10)) (i32.const 2)))
    (global.set $seen (call $sum (i32.const 0) (i32.const 0))))
  (func (export "start_order") (result i32) (global.get $order))
  (func (export "seen_at_start") (result i64) (global.get $seen))

  ;; relay(s: string) -> string: effector's shout; the import adapter has already set pure's
  ;; result pointer and size to the string it wrote into pure's memory.
  (func (export "relay") (param i32 i32) (call $shout (local.get 0) (local.get 1)))
  ;; relay_sum(xs: []u32) -> u64
  (func (export "relay_sum") (param i32 i32) (result i64) (call $sum (local.get 0) (local.get 1)))
  ;; relay_bump(p: Pair) -> Pair
  (func (export "relay_bump") (param i32) (call $bump (local.get 0)))
  ;; relay_boom(): effector traps.
  (func (export "relay_boom") (call $boom))
)

;; effector: the dependency of a two-module service (pure imports from it). Its _initialize
;; sets a base that sum adds, to show it ran before pure's start functions.
(module
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
  (global $base (mut i64) (i64.const 0))
  (func (export "_initialize") (global.set $base (i64.const 1000)))

  ;; shout(s: string) -> string: s + "!".
  (func (export "shout") (param $p i32) (param $n i32)
    (local $out i32)
    (local.set $out (call $allocate (i32.add (local.get $n) (i32.const 1)) (i32.const 1)))
    (memory.copy (local.get $out) (local.get $p) (local.get $n))
    (i32.store8 (i32.add (local.get $out) (local.get $n)) (i32.const 33))
    (call $set_result_ptr (local.get $out))
    (call $set_result_size (i32.add (local.get $n) (i32.const 1))))

  ;; sum(xs: []u32) -> u64: base + the sum.
  (func (export "sum") (param $p i32) (param $n i32) (result i64)
    (local $sum i64)
    (local.set $sum (global.get $base))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i64.add (local.get $sum) (i64.load32_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  ;; bump(p: Pair) -> Pair, Pair{n: s32, s: string}: n + 1, in place.
  (func (export "bump") (param $r i32)
    (i32.store (local.get $r) (i32.add (i32.load (local.get $r)) (i32.const 1)))
    (call $set_result_ptr (local.get $r)))

  ;; boom() traps.
  (func (export "boom") unreachable)
)

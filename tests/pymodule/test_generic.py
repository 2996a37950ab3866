import generic as m
from pmtest import raises

assert m.scale_i64([1, -2, 3], 4) == [4, -8, 12]
assert m.scale_f64([0.5, 1.5], 2.0) == [1.0, 3.0]
assert m.largest_i32([3, 9, -4]) == 9
assert m.largest_str(["pear", "apple", "zucchini", "fig"]) == "zucchini"
assert raises(IndexError, m.largest_i32, []) == "list index out of range"
assert m.scale_i64.__doc__.startswith("scale_i64(xs: list[i64], k: i64) -> list[i64]"), m.scale_i64.__doc__
# The generic function itself is not a red function: not exported.
assert not hasattr(m, "scale") and not hasattr(m, "largest")
print("generic ok")

# expect: line 3: names that start with `_` are not allowed (`.__class__`)
def reward(s, a, prev_a):
    kind = s.__class__
    return 1.0, {"x": 1.0}

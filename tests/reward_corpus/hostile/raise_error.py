# expect: line 3: raise is not allowed
def reward(s, a, prev_a):
    raise SystemExit(1)
    return 1.0, {"x": 1.0}

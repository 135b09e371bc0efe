# expect: line 3: `s` has no field `secret_key`
def reward(s, a, prev_a):
    x = s.secret_key
    return 1.0, {"x": 1.0}

# expect: line 3: f-strings are not allowed
def reward(s, a, prev_a):
    name = f"{s.time}"
    return 1.0, {"x": 1.0}

# expect: line 3: `None` is not allowed
def reward(s, a, prev_a):
    x = None
    return 1.0, {"x": 1.0}

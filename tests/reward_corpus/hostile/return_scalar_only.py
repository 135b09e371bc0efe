# expect: line 3: the return value must be `total, {"name": value, ...}` with a dict literal
def reward(s, a, prev_a):
    return 1.0

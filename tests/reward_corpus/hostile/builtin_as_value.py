# expect: line 3: the builtin `open` is not allowed
def reward(s, a, prev_a):
    f = open
    return 1.0, {"x": 1.0}

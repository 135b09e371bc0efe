# expect: line 3: calls globals(), which is not allowed
def reward(s, a, prev_a):
    g = globals()
    return 1.0, {"x": 1.0}

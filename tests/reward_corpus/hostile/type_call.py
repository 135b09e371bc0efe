# expect: line 3: calls type(), which is not allowed
def reward(s, a, prev_a):
    t = type(a)
    return 1.0, {"x": 1.0}

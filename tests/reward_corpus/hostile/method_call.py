# expect: line 3: calls a.sum(), which is not allowed
def reward(s, a, prev_a):
    x = a.sum()
    return x, {"x": x}

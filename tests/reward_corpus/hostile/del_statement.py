# expect: line 4: del is not allowed
def reward(s, a, prev_a):
    x = 1.0
    del x
    return 1.0, {"x": 1.0}

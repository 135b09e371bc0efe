# expect: line 4: ZeroDivisionError while tracing
def reward(s, a, prev_a):
    x = 0.0
    y = 1.0 / x
    return y, {"y": y}

# expect: line 3: the constant 1e+300 is outside +-1e+06
def reward(s, a, prev_a):
    x = 1e300
    return x, {"x": x}

# expect: line 3: `:=` is not allowed
def reward(s, a, prev_a):
    x = (y := 1.0)
    return x, {"x": x}

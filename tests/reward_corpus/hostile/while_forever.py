# expect: line 4: while loops are not allowed
def reward(s, a, prev_a):
    x = 0.0
    while True:
        x = x + 1.0
    return x, {"x": x}

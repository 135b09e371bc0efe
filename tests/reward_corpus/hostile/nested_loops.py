# expect: line 5: loops run 256 iterations in all; the limit is 16
def reward(s, a, prev_a):
    x = 0.0
    for i in range(16):
        for j in range(16):
            x = x + 1.0
    return x, {"x": x}

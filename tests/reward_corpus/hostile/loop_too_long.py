# expect: line 4: loops run 1000000 iterations in all; the limit is 16
def reward(s, a, prev_a):
    x = 0.0
    for i in range(1000000):
        x = x + 1.0
    return x, {"x": x}

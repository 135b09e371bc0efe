# expect: line 4: a for loop must run over `range(N)` with a literal N <= 16
def reward(s, a, prev_a):
    x = 0.0
    for i in range(10 ** 9):
        x = x + 1.0
    return x, {"x": x}

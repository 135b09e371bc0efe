# expect: line 3: the code is nested more than 100 levels deep
def reward(s, a, prev_a):
    x = ------------------------------------------------------------------------------------------------------------------------1.0
    return x, {"x": x}

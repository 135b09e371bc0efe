# expect: line 3: complex literals are not allowed
def reward(s, a, prev_a):
    x = 1j
    return 1.0, {"x": 1.0}

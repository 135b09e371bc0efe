# expect: line 3: yield is not allowed
def reward(s, a, prev_a):
    yield 1.0
    return 1.0, {"x": 1.0}

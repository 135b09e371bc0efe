# expect: line 3: syntax error
def reward(s, a, prev_a):
    return 1.0, {"x": 1.0

# expect: line 3: `secret` is not defined here
def reward(s, a, prev_a):
    return secret, {"x": 1.0}

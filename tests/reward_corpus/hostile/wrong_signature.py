# expect: line 2: the signature must be exactly `def reward(s, a, prev_a):`
def reward(s, a, prev_a, secret=open):
    return 1.0, {"x": 1.0}

# expect: line 3: `reward` cannot call itself (no recursion)
def reward(s, a, prev_a):
    total, parts = reward(s, a, prev_a)
    return total, {"x": 1.0}

# expect: line 3: `s` can only be read as `s.<field>`
def reward(s, a, prev_a):
    x = s[0]
    return 1.0, {"x": 1.0}

# expect: line 3: if statements are not allowed
def reward(s, a, prev_a):
    if s.time > 1.0:
        x = 1.0
    return 1.0, {"x": 1.0}

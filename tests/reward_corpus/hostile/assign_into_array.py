# expect: line 3: assigning into an array or attribute is not allowed
def reward(s, a, prev_a):
    a[0] = 1.0
    return 1.0, {"x": 1.0}

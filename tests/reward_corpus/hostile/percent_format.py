# expect: line 3: strings are only allowed as component names
def reward(s, a, prev_a):
    code = "%s" % 1.0
    return 1.0, {"x": 1.0}

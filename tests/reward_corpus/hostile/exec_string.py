# expect: line 3: calls exec(), which is not allowed
def reward(s, a, prev_a):
    exec("import os")
    return 1.0, {"x": 1.0}

# expect: line 3: names that start with `_` are not allowed
def reward(s, a, prev_a):
    os = __import__("os")
    return 1.0, {"x": 1.0}

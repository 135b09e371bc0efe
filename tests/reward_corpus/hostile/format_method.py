# expect: line 3: calls '{}'.format(), which is not allowed
def reward(s, a, prev_a):
    code = "{}".format("__import__")
    return 1.0, {"x": 1.0}

# expect: line 3: lambda is not allowed
def reward(s, a, prev_a):
    f = lambda x: x * 2.0
    return f(1.0), {"x": 1.0}

# expect: line 3: import is not allowed
def reward(s, a, prev_a):
    from os import system
    return 1.0, {"x": 1.0}

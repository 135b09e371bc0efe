# expect: line 3: classes are not allowed
def reward(s, a, prev_a):
    class Box:
        pass
    return 1.0, {"x": 1.0}

# expect: line 4: `return` is only allowed as the last statement
def reward(s, a, prev_a):
    for i in range(3):
        return 1.0, {"x": 1.0}
    return 0.0, {"x": 0.0}

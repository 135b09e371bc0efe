# expect: line 3: global is not allowed
def reward(s, a, prev_a):
    global steps
    steps = 1.0
    return steps, {"x": 1.0}

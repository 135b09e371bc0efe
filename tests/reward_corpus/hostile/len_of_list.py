# expect: line 3: len() takes one state field
def reward(s, a, prev_a):
    n = len([1.0] * 1000)
    return 1.0, {"x": 1.0}

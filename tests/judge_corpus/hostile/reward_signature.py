# expect: line 2: the function must be named `judge`, not `reward`
def reward(s, a, prev_a):
    return {"x": at_least(1.0, 0.0)}

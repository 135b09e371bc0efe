# expect: line 2: the function must be named `reward`, not `compute_reward`
def compute_reward(s, a, prev_a):
    return 1.0, {"x": 1.0}

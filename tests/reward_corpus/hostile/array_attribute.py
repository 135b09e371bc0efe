# expect: line 3: attribute `.T` is not allowed
def reward(s, a, prev_a):
    x = s.joint_pos.T
    return 1.0, {"x": 1.0}

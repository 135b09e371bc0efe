# expect: line 4: on plausible states the total is infinite
def reward(s, a, prev_a):
    x = 1.0 / s.base_lin_vel[0]
    return x, {"x": x}

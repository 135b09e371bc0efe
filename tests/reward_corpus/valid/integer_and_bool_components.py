def reward(s, a, prev_a):
    # Python numbers and booleans are fine: every value becomes a float32 scalar.
    return 1, {"one": 1, "moving": s.base_lin_vel[0] > 0.1, "half": 0.5}

# expect: line 4: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is infinite on
def reward(s, a, prev_a):
    tilt_cost = 1.0 / (1.0 - s.upright)
    return -0.001 * tilt_cost, {"tilt_cost": tilt_cost}

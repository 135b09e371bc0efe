# expect: line 4: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is infinite on 
def reward(s, a, prev_a):
    x = 1.0 / s.base_lin_vel[0]
    return x, {"x": x}

# expect: line 5: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is NaN on
def reward(s, a, prev_a):
    clearance = jnp.sum(jnp.log(s.foot_height - 0.015))
    upright = s.upright
    return upright + 0.1 * clearance, {"upright": upright, "clearance": clearance}

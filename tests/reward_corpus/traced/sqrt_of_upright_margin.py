# expect: line 4: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is NaN on
def reward(s, a, prev_a):
    straight = jnp.sqrt(s.upright - 0.98)
    return straight, {"straight": straight}

# expect: line 4: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is NaN on 512 of 512
def reward(s, a, prev_a):
    x = jnp.sqrt(s.base_height - 1.0)
    return x, {"x": x}

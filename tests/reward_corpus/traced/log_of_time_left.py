# expect: line 4: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) the total is NaN on
def reward(s, a, prev_a):
    urgency = jnp.log(3.0 - s.time)
    return urgency, {"urgency": urgency}

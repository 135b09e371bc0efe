# expect: line 6: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) component 'tilt' is NaN on
def reward(s, a, prev_a):
    forward = jnp.exp(-jnp.square(s.base_lin_vel[0] - 0.5))
    tilt = jnp.sqrt(s.upright)
    total = forward
    return total, {"forward": forward, "tilt": tilt}

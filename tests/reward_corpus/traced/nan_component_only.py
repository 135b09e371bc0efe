# expect: line 5: on realistic states (rollouts with random, saturated and policy actions, falls, feet in the air) component 'bad' is NaN on 512 of 512; for example in
def reward(s, a, prev_a):
    good = jnp.exp(-jnp.square(s.base_lin_vel[0] - 0.5))
    bad = jnp.sqrt(s.time - 100.0)
    return good, {"good": good, "bad": bad}

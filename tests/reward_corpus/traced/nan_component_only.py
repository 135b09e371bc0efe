# expect: line 5: on plausible states component 'bad' is NaN
def reward(s, a, prev_a):
    good = jnp.exp(-jnp.square(s.base_lin_vel[0] - 0.5))
    bad = jnp.sqrt(s.time - 100.0)
    return good, {"good": good, "bad": bad}

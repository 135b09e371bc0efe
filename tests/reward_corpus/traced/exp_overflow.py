# expect: on plausible states the total is infinite
def reward(s, a, prev_a):
    x = jnp.sum(jnp.exp(jnp.abs(s.joint_vel) * 1000.0))
    return x, {"x": x}

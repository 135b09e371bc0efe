# expect: an intermediate array holds 1000000 elements per state
def reward(s, a, prev_a):
    x = jnp.array([1.0] * 1000000)
    return 1.0, {"x": jnp.sum(x)}

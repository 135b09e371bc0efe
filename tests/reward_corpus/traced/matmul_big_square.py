# expect: floating-point operations per state (estimated from the traced program); the limit is 20,000
def reward(s, a, prev_a):
    row = jnp.array([s.time] * 48)
    m = jnp.array([row] * 48)
    x = jnp.tanh(jnp.sum(m @ m))
    return x, {"x": x}

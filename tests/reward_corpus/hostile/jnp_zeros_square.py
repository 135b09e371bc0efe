# expect: line 3: calls jnp.zeros(), which is not allowed
def reward(s, a, prev_a):
    x = jnp.zeros((50000, 50000))
    return 1.0, {"x": jnp.sum(x)}

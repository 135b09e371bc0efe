# expect: line 3: calls jnp.ones(), which is not allowed
def reward(s, a, prev_a):
    x = jnp.ones(10 ** 9)
    return 1.0, {"x": jnp.sum(x)}

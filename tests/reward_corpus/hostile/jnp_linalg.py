# expect: line 3: calls jnp.linalg.norm(), which is not allowed
def reward(s, a, prev_a):
    x = jnp.linalg.norm(a)
    return x, {"x": x}

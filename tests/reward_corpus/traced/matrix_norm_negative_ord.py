# expect: line 5: jnp.norm computes a matrix norm here (ord=-2 over a 2-D array), which needs a matrix decomposition
def reward(s, a, prev_a):
    row = jnp.array([s.time] * 40)
    m = jnp.array([row] * 40)
    x = jnp.norm(m, ord=-2)
    return x, {"x": x}

# expect: line 3: the keyword argument `out=` is not allowed
def reward(s, a, prev_a):
    x = jnp.sum(a, out=a)
    return x, {"x": x}

# expect: line 3: `*` unpacking is not allowed
def reward(s, a, prev_a):
    x = jnp.maximum(*a)
    return x, {"x": x}

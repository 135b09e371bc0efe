# expect: line 4: on plausible states the total is NaN
def reward(s, a, prev_a):
    x = jnp.sqrt(s.base_height - 1.0)
    return x, {"x": x}

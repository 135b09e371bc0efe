# expect: line 3: `jnp` cannot be assigned
def reward(s, a, prev_a):
    jnp = 1.0
    return 1.0, {"x": 1.0}
